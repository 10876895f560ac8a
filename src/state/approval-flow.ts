/**
 * How a request meets an approval, the same for an HTTP request and an MCP tool call:
 * a grant the approver widened (session, rule) lets it pass; a grant bound to this
 * exact request (its digest) lets it pass once; a denial still in force refuses it;
 * otherwise the pending approval for this request (or a new one) is either answered at
 * once (`ask`: the caller answers 428) or waited for (`hold`), without blocking the
 * event loop, until a decision, the hold's end (then 428 as in `ask`), the approval's
 * expiry, or `signal` (the agent left, the identity was revoked, the gate was killed).
 *
 * @example
 * const r = await meetApproval(store, { digest, rule: 'deploy', tenant, session, spec, diff: () => diff, decisionId }, signal);
 * if (r.kind === 'ask') throw approvalRequired(r.entry);
 */
import type { ApprovalSpec } from '../policy/approval.js';
import type { ApprovalDiff, ApprovalEntry, ApprovalStore } from './approvals.js';
import { statusAt } from './approvals.js';

export interface ApprovalAsk {
  digest: string;
  rule: string;
  tenant: string | null;
  session: string | null;
  spec: ApprovalSpec;
  /** Built only when a new approval is opened (redaction costs a scan). */
  diff: () => ApprovalDiff;
  decisionId: string;
  /** Approvals the session may have pending at once (`approvals.max_pending_per_session`; 0 or absent: no cap). */
  maxPendingPerSession?: number;
  /** Told the approval before any wait: an exchange recorded while held (the agent left) names it. */
  onApproval?: (e: ApprovalEntry) => void;
}

export type ApprovalMeeting =
  /** A grant let it through (`entry` is the approval that granted it). */
  | { kind: 'pass'; entry: ApprovalEntry }
  /** Pending: answer 428 with the approval. */
  | { kind: 'ask'; entry: ApprovalEntry }
  | { kind: 'denied'; entry: ApprovalEntry }
  | { kind: 'expired'; entry: ApprovalEntry }
  /** `signal` ended the wait. */
  | { kind: 'gone'; entry: ApprovalEntry }
  /** A new approval was needed and the session already has `limit` pending: none was opened. */
  | { kind: 'too_many'; entry: null; pending: number; limit: number };

/** See the module comment. */
export async function meetApproval(store: ApprovalStore, ask: ApprovalAsk, signal: AbortSignal): Promise<ApprovalMeeting> {
  const wide = store.widened(ask.rule, ask.tenant, ask.session);
  if (wide !== null) return { kind: 'pass', entry: wide };
  let entry = store.forDigest(ask.digest);
  const now = Date.now();
  if (entry !== null) {
    const status = statusAt(entry, now);
    if (status === 'approved' && entry.usedAt === null && (entry.grantUntil ?? 0) > now && (await store.consume(entry.id))) return { kind: 'pass', entry };
    // A denial answers the same request again until the approval would have expired.
    if (status === 'denied' && now < entry.expiresAt) return { kind: 'denied', entry };
    if (status !== 'pending') entry = null;
  }
  if (entry === null) {
    const limit = ask.maxPendingPerSession ?? 0;
    const pending = limit > 0 && ask.session !== null ? pendingFor(store, ask.tenant, ask.session, now) : 0;
    if (limit > 0 && pending >= limit) return { kind: 'too_many', entry: null, pending, limit };
  }
  entry ??= await store.create({
    digest: ask.digest,
    rule: ask.rule,
    tenant: ask.tenant,
    session: ask.session,
    allowed: ask.spec.allowed,
    diff: ask.diff(),
    ttlMs: ask.spec.timeoutMs,
    decisionId: ask.decisionId,
  });
  ask.onApproval?.(entry);
  if (ask.spec.mode === 'ask') return { kind: 'ask', entry };
  return hold(store, entry, ask.spec.holdMs, signal);
}

/** Approvals pending now for this tenant and session (a retry of one of them reuses it: not counted against a new one). */
function pendingFor(store: ApprovalStore, tenant: string | null, session: string, now: number): number {
  let n = 0;
  for (const e of store.list()) if (e.session === session && e.tenant === tenant && statusAt(e, now) === 'pending') n++;
  return n;
}

async function hold(store: ApprovalStore, entry: ApprovalEntry, holdMs: number, signal: AbortSignal): Promise<ApprovalMeeting> {
  const held = new AbortController();
  const timer = setTimeout(() => held.abort(), holdMs);
  const onAbort = (): void => held.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const settled = await store.settled(entry.id, held.signal);
    if (settled === null) return signal.aborted ? { kind: 'gone', entry } : { kind: 'ask', entry };
    const status = statusAt(settled, Date.now());
    if (status === 'denied') return { kind: 'denied', entry: settled };
    if (status === 'approved') {
      if (settled.scope !== 'request' || (await store.consume(settled.id))) return { kind: 'pass', entry: settled };
      // Another exchange of the same request used the grant first: this one needs its own.
      return { kind: 'ask', entry: settled };
    }
    return status === 'pending' ? { kind: 'ask', entry: settled } : { kind: 'expired', entry: settled };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
