/**
 * The first half of an exchange's audit record: the decision, put on record (journal.ts)
 * before anything leaves the gate, upstream or back to the agent. The record is
 * finished when the exchange ends (handle-request.ts and its siblings).
 */
import type { AuditRecord } from '../audit/fields.js';
import { buildRecord } from './audit-record.js';
import { Rejection } from './errors-map.js';
import type { GateServices, GateState } from './gate-runtime.js';
import type { RequestContext } from './request-context.js';

/**
 * Put the decision on record; with `audit.fail_closed: all`, refuse (503
 * `audit_unavailable`) when it could not be, or while the trail is failing. With
 * `audit.durability: machine`, resolves once the record is on disk.
 *
 * @example
 * await openRecord(gate, state, ctx); // then forward, or answer
 */
export function openRecord(gate: GateServices, state: GateState, ctx: RequestContext): void | Promise<void> {
  if (ctx.opened) return;
  ctx.opened = true;
  const record = buildRecord(ctx);
  // Injected later (upstream-request.ts), but part of the decision: an exchange cut short still names it.
  record.credential ??= ctx.decision?.credential?.secret ?? null;
  // Written at once (a quiet gate), or with the other decisions of this turn: then wait for that write.
  const written = openedSoon(gate, record);
  return typeof written === 'boolean' ? afterOpened(gate, state, ctx, written) : written.then((w) => afterOpened(gate, state, ctx, w));
}

/** The fail-closed rule, then (durability `machine`) the wait for the disk. */
function afterOpened(gate: GateServices, state: GateState, ctx: RequestContext, written: boolean): void | Promise<void> {
  if (state.auditFailClosed === 'all' && (!written || !gate.auditHealthy())) {
    throw new Rejection(
      'audit_unavailable',
      'the audit trail cannot record this request; every request is refused until it recovers (audit.fail_closed: all)',
      ctx.decision?.rule ?? null,
    );
  }
  return gate.audit.synced?.() ?? undefined;
}

/** A refusal's decision, on record before the refusal is sent (never refuses itself). */
export function openRefusal(gate: GateServices, ctx: RequestContext): void {
  if (ctx.opened) return;
  ctx.opened = true;
  opened(gate, buildRecord(ctx));
}

/**
 * `record` on record as opened, written with the other decisions of this turn of the
 * event loop (one write); false when the journal could not take it (already reported).
 * A boolean when the journal wrote it at once, else a promise of one.
 */
function openedSoon(gate: GateServices, record: AuditRecord): boolean | Promise<boolean> {
  if (gate.audit.beginSoon === undefined) return opened(gate, record);
  try {
    const w = gate.audit.beginSoon(record);
    return typeof w === 'boolean' ? w : w.catch((err: unknown) => journalFailed(gate, record, err));
  } catch (err) {
    return journalFailed(gate, record, err);
  }
}

/** `record` on record as opened; false when the journal could not take it (already reported by it). */
export function opened(gate: GateServices, record: AuditRecord): boolean {
  try {
    return gate.audit.begin?.(record) ?? true;
  } catch (err) {
    return journalFailed(gate, record, err);
  }
}

/** The journal could not take `record`: logged (the journal reports its own failures too), and not on record. */
function journalFailed(gate: GateServices, record: AuditRecord, err: unknown): false {
  gate.logger.error({ err, decision_id: record.decision_id }, 'audit journal write failed');
  return false;
}
