import type { AuditRecord } from '../audit/fields.js';
import { auditRecord } from '../audit/record.js';
import type { GateServices } from './gate-runtime.js';
import type { RequestContext } from './request-context.js';
import { observeRecord } from '../observe/metrics.js';

/** The canonical record for a finished request (through the one builder). The query string is dropped on purpose. */
export function buildRecord(ctx: RequestContext): AuditRecord {
  const q = ctx.target.indexOf('?');
  return auditRecord({
    decision_id: ctx.decisionId,
    time: ctx.time,
    who: ctx.principal,
    method: ctx.req.method ?? '',
    scheme: ctx.scheme,
    host: ctx.auditHost ?? ctx.hostText,
    port: ctx.port,
    path: ctx.auditPath ?? (q === -1 ? ctx.target : ctx.target.slice(0, q)),
    intent: ctx.decision?.intent ?? null,
    outcome: ctx.outcome ?? (ctx.res.writableFinished ? 'allow' : 'error'),
    reason: ctx.reason ?? (ctx.outcome === 'would_deny' ? 'report_mode' : (ctx.decision?.reason ?? 'aborted')),
    // A report-mode record names the rule that would have denied; the allowing rule is in `reason`'s context.
    rule: ctx.outcome === 'would_deny' ? (ctx.decision?.wouldDeny[0] ?? null) : (ctx.stoppedBy ?? ctx.decision?.rule ?? null),
    policy_version: ctx.policyVersion,
    credential: ctx.credential,
    route: ctx.route,
    status: ctx.rawStatus !== undefined && ctx.rawStatus >= 0 ? ctx.rawStatus : ctx.res.headersSent ? ctx.res.statusCode : 0,
    bytes_in: ctx.bytesIn,
    bytes_out: ctx.bytesOut,
    startNs: ctx.startNs,
    findings: ctx.findings,
    transport: ctx.transport,
    address: ctx.address,
    error: ctx.error,
    synthesised: ctx.synthesised,
    rewritten: ctx.rewritten,
    protocol: ctx.protocol?.name ?? null,
    server: ctx.protocol?.server ?? null,
    tool: ctx.protocol?.tool ?? null,
    ...ctx.budgetFacts,
    approval_id: ctx.approvalId ?? null,
  });
}

/**
 * Write the exchange's one record; a sink that throws is logged, never thrown into the
 * exchange's end. The one place an exchange is finished: its metrics are counted and
 * its span ended here too, from the same record (observe/).
 */
export function writeRecord(gate: Pick<GateServices, 'audit' | 'logger'>, ctx: RequestContext): void {
  let record: AuditRecord | null = null;
  try {
    record = buildRecord(ctx);
    gate.audit.write(record);
  } catch (err) {
    gate.logger.error({ err, decision_id: ctx.decisionId }, 'audit write failed');
  }
  if (record === null) return;
  // A raw carrier (WebSocket session, CONNECT tunnel) has a raw status: it lasts as long as it is used.
  observeRecord(record, { startNs: ctx.startNs, sentNs: ctx.sentNs, headNs: ctx.headNs, session: ctx.rawStatus !== undefined && ctx.rawStatus >= 0 });
  if (ctx.trace) ctx.trace.end(record);
}
