import type { ApprovalSpec } from '../../policy/approval.js';
import type { Decision } from '../../policy/types.js';
import { approvalRefusal } from '../../state/approval-answer.js';
import { meetApproval } from '../../state/approval-flow.js';
import { isWrite, needsApproval, sessionKey } from '../../state/blast-radius.js';
import { isPending } from '../../state/rate-buckets.js';
import { approvalBody, httpDiff, httpDigest } from '../approval-request.js';
import { Rejection } from '../errors-map.js';
import type { Exchange } from './exchange.js';

/**
 * The approval gate, where the decision and the body are both known: a request an
 * `action: approve` rule decided, or a session's write to one critical domain too many
 * (blast radius), passes only with a grant bound to it (state/approval-flow.ts). The
 * body is read whole (bounded) for the digest. A held request awaits here before
 * `next`, without blocking the loop, and ends when the agent leaves or its identity is
 * cut (revocation, kill); a refusal carries the approval (id, expiry, diff) in its body.
 * A WebSocket upgrade and a passthrough CONNECT (decided by host alone) meet it too,
 * with no body: an approve rule is never a way around the approval.
 */
export async function approve(x: Exchange, next: () => Promise<void>): Promise<void> {
  const d = x.decision;
  // The common case (an allow outside the blast radius) costs two field reads.
  if (d === undefined || d.outcome === 'deny' || (d.outcome === 'allow' && d.critical !== true)) return next();
  const settings = x.state.policy.approvals;
  // A session's critical write: the key its radius is kept under.
  const critical = d.critical === true && isWrite(x.req.method ?? 'GET') ? sessionKey(x.principal) : null;
  const spec = await specFor(x, d, critical);
  if (spec === null) {
    if (critical !== null) await recordWrite(x, critical, d.rule);
    return next();
  }
  const store = x.gate.approvals;
  if (store === undefined) throw new Rejection('state_unavailable', 'this gate has no approval store, so a request that needs approval is refused', d.rule);
  const body = await approvalBody(x, settings.maxBodyBytes);
  const gone = new AbortController();
  const leave = (): void => gone.abort();
  // A WebSocket or CONNECT is answered on its raw socket; a request on its response.
  const conn = x.carrier?.socket ?? x.res;
  conn.once('close', leave);
  x.cut?.listen(leave);
  const why = spec.why;
  const p = x.principal;
  try {
    const m = await meetApproval(
      store,
      {
        digest: httpDigest(x, body),
        rule: spec.rule,
        tenant: p?.tenant ?? null,
        session: p?.session ?? null,
        spec: spec.approval,
        diff: () => httpDiff(x, body, why),
        decisionId: x.decisionId,
        maxPendingPerSession: settings.maxPendingPerSession,
        onApproval: (e) => (x.approvalId = e.id),
      },
      gone.signal,
    );
    if (m.entry !== null) x.approvalId = m.entry.id;
    if (m.kind === 'gone') throw x.cut?.reason ?? new Rejection('client_aborted', 'the agent left while its request waited for approval', d.rule);
    if (m.kind !== 'pass') {
      const r = approvalRefusal(m);
      const refusal = new Rejection(r.error, r.reason, d.rule);
      if (r.approval !== null) refusal.extra = { approval: r.approval };
      throw refusal;
    }
  } finally {
    conn.off('close', leave);
  }
  if (critical !== null) await recordWrite(x, critical, d.rule);
  return next();
}

/** Record the session's write to a critical domain before it is sent; a store that cannot record it refuses the request. */
async function recordWrite(x: Exchange, critical: string, rule: string): Promise<void> {
  const blast = x.gate.blast;
  if (blast === undefined) return;
  try {
    const done = blast.wrote(critical, x.hostText);
    if (isPending(done)) await done;
  } catch {
    throw new Rejection('state_unavailable', 'the blast radius state could not record this critical write, so it is refused', rule);
  }
}

/** The critical domains the session has written to, as the store has them now. */
async function domainsOf(x: Exchange, critical: string, rule: string): Promise<readonly string[]> {
  try {
    const had = x.gate.blast!.domains(critical);
    return isPending(had) ? await had : had;
  } catch {
    throw new Rejection('state_unavailable', 'the blast radius state is unreadable, so a critical write is refused', rule);
  }
}

/** The approval this request needs: its rule's, else the blast radius's; null when none. */
async function specFor(x: Exchange, d: Decision, critical: string | null): Promise<{ approval: ApprovalSpec; rule: string; why: string } | null> {
  if (d.outcome === 'approve' && d.approval) return { approval: d.approval, rule: d.rule, why: `rule ${d.rule} needs a human approval` };
  const blast = x.state.policy.approvals.blast;
  if (critical === null || x.gate.blast === undefined) return null;
  const domains = await domainsOf(x, critical, d.rule);
  if (!needsApproval(domains, x.hostText, blast.criticalWriteDomains)) return null;
  const had = domains.join(', ');
  return {
    approval: blast.approval,
    rule: d.rule,
    why: `this session already wrote to ${blast.criticalWriteDomains} critical domain(s) (${had}); writing to ${x.hostText} too needs a human approval (blast_radius)`,
  };
}
