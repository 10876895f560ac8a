/**
 * The approval log's rows, as every backend stores them (an `open` with the proposed
 * request, a `decide`, a `use`), and how they fold into the in-memory view the stores
 * answer from: one function for the SQLite and the PostgreSQL store alike.
 *
 * @example
 * const changed = applyApprovalRows(rows, view, log.now());
 * if (changed.length > 0) log.notify(changed);
 */
import type { ApprovalEntry, GrantScope } from './approvals.js';

export interface ApprovalRow {
  id: number;
  kind: 'open' | 'decide' | 'use';
  approval: string;
  at: number;
  body: string;
}

/** Settled approvals are remembered this long after they can no longer be used (for `show` and the retry's answer). */
export const KEEP_MS = 3_600_000;

/**
 * Apply `rows` in order to `view` (approval id to entry), forget what can no longer be
 * decided or used after KEEP_MS (bounded memory), and return the entries that changed.
 * A row of an approval already forgotten is skipped.
 */
export function applyApprovalRows(rows: readonly ApprovalRow[], view: Map<string, ApprovalEntry>, now: number): ApprovalEntry[] {
  const changed = new Map<string, ApprovalEntry>();
  for (const r of rows) {
    const e = r.kind === 'open' ? opened(r) : view.get(r.approval);
    if (e === undefined) continue;
    const next = r.kind === 'open' ? e : r.kind === 'use' ? { ...e, usedAt: r.at } : decided(e, r);
    view.set(next.id, next);
    changed.set(next.id, next);
  }
  for (const [id, e] of view) if (now - Math.max(e.expiresAt, e.grantUntil ?? 0) > KEEP_MS) view.delete(id);
  return [...changed.values()];
}

function opened(r: ApprovalRow): ApprovalEntry {
  const b = JSON.parse(r.body) as Pick<ApprovalEntry, 'digest' | 'rule' | 'tenant' | 'session' | 'allowed' | 'diff' | 'expiresAt' | 'decisionId'>;
  return {
    id: r.approval,
    digest: b.digest,
    rule: b.rule,
    tenant: b.tenant,
    session: b.session,
    allowed: b.allowed,
    diff: b.diff,
    decisionId: b.decisionId,
    createdAt: r.at,
    expiresAt: b.expiresAt,
    status: 'pending',
    decidedBy: null,
    decidedAt: null,
    reason: null,
    scope: 'request',
    grantUntil: null,
    usedAt: null,
  };
}

function decided(e: ApprovalEntry, r: ApprovalRow): ApprovalEntry {
  const b = JSON.parse(r.body) as { approve: boolean; by: string; reason: string | null; scope: GrantScope; grantUntil: number | null };
  return { ...e, status: b.approve ? 'approved' : 'denied', decidedBy: b.by, decidedAt: r.at, reason: b.reason, scope: b.scope, grantUntil: b.grantUntil };
}
