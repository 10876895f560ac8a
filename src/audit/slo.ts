/**
 * Two service-level objectives, computed from the audit trail and the revocations:
 *
 * - safe completion rate: of the sessions that finished in the window (revoked, or
 *   idle for `idleMs`), the share that never met a breach refusal (the policy or an
 *   inspector refused something as unsafe: `BREACH_REASONS`). Operational refusals
 *   (rate limits, budgets, upstream failures, a 407 challenge) are not breaches.
 * - containment time: for each session with a finding (a record with a DLP, injection
 *   or other finding, or a breach refusal), the time from its first one to the first
 *   revocation covering the session (of the session itself, or of its agent) recorded
 *   at or after it. A session with a finding and no such revocation is uncontained.
 *
 * Pure over records and revocation entries, so `sluice audit slo`, the admin API and
 * the metrics exporter compute the same numbers.
 */
import type { RevocationEntry } from '../state/revocations.js';
import type { AuditRecord } from './fields.js';

/** Refusals that mean the agent tried something unsafe, not that something was busy or down. */
export const BREACH_REASONS: ReadonlySet<string> = new Set([
  'rule_deny',
  'no_rule_matched',
  'policy_denied',
  'dlp_blocked',
  'injection_blocked',
  'ssrf_blocked',
  'quarantined',
  'path_outside_route',
  'credential_plaintext_refused',
  'placeholder_denied',
  'decompression_bomb',
  'shell_obfuscation_blocked',
  'chain_blocked',
  'chain_depth_exceeded',
  'mcp_tool_changed',
  'tool_poisoning_blocked',
  'batch_refused',
  'approval_denied',
  'identity_revoked',
]);

export interface SessionContainment {
  tenant: string | null;
  agent: string | null;
  session: string;
  /** The first finding or breach, ISO time, and what it was. */
  first_finding: string;
  first_finding_what: string;
  /** The first revocation covering the session at or after it; null: not contained. */
  revoked_at: string | null;
  containment_ms: number | null;
}

export interface SloReport {
  sessions: number;
  finished: number;
  in_progress: number;
  safe: number;
  /** safe / finished; null when no session finished. */
  safe_completion_rate: number | null;
  containment: {
    with_findings: number;
    contained: number;
    uncontained: number;
    /** Over contained sessions; null when none. */
    mean_ms: number | null;
    p50_ms: number | null;
    p95_ms: number | null;
    max_ms: number | null;
    sessions: SessionContainment[];
  };
}

interface SessionFacts {
  tenant: string | null;
  agent: string | null;
  session: string;
  last: number;
  breached: boolean;
  first: { at: number; what: string } | null;
}

/**
 * @example
 * const slo = computeSlo(reader.query({ since, order: 'asc', limit: 1e6 }), revocations.list(), { now: new Date() });
 * slo.safe_completion_rate; // 0.97
 * slo.containment.p95_ms;   // 42000
 */
export function computeSlo(records: readonly AuditRecord[], revocations: readonly RevocationEntry[], opts: { now: Date; idleMs?: number }): SloReport {
  const idleMs = opts.idleMs ?? 15 * 60_000;
  const now = opts.now.getTime();
  const sessions = new Map<string, SessionFacts>();
  for (const r of records) {
    // Operators' admin calls are not agent sessions.
    if (r.session === null || r.outcome === 'challenge' || r.protocol === 'admin') continue;
    const key = `${r.tenant ?? ''}\u0000${r.session}`;
    let s = sessions.get(key);
    if (s === undefined) {
      s = { tenant: r.tenant, agent: r.agent, session: r.session, last: 0, breached: false, first: null };
      sessions.set(key, s);
    }
    const at = Date.parse(r.time);
    s.last = Math.max(s.last, at);
    const breach = r.outcome === 'deny' && BREACH_REASONS.has(r.reason) && r.reason !== 'identity_revoked';
    if (breach) s.breached = true;
    const what = breach ? `refused: ${r.reason}` : r.findings.length > 0 ? `finding: ${r.findings[0]!.type} in ${r.findings[0]!.location}` : null;
    if (what !== null && (s.first === null || at < s.first.at)) s.first = { at, what };
  }

  let finished = 0;
  let safe = 0;
  const contained: number[] = [];
  const list: SessionContainment[] = [];
  for (const s of sessions.values()) {
    const revokedAt = s.first === null ? null : revocationOf(s, revocations, s.first.at);
    const done = revocationOf(s, revocations, -Infinity) !== null || now - s.last >= idleMs;
    if (done) {
      finished++;
      if (!s.breached) safe++;
    }
    if (s.first === null) continue;
    const ms = revokedAt === null ? null : revokedAt - s.first.at;
    if (ms !== null) contained.push(ms);
    list.push({
      tenant: s.tenant,
      agent: s.agent,
      session: s.session,
      first_finding: new Date(s.first.at).toISOString(),
      first_finding_what: s.first.what,
      revoked_at: revokedAt === null ? null : new Date(revokedAt).toISOString(),
      containment_ms: ms,
    });
  }
  contained.sort((a, b) => a - b);
  return {
    sessions: sessions.size,
    finished,
    in_progress: sessions.size - finished,
    safe,
    safe_completion_rate: finished === 0 ? null : safe / finished,
    containment: {
      with_findings: list.length,
      contained: contained.length,
      uncontained: list.length - contained.length,
      mean_ms: contained.length === 0 ? null : contained.reduce((a, b) => a + b, 0) / contained.length,
      p50_ms: quantile(contained, 0.5),
      p95_ms: quantile(contained, 0.95),
      max_ms: contained.at(-1) ?? null,
      sessions: list,
    },
  };
}

/** The first revocation of this session (or its agent), in its tenant or all, recorded at or after `from`; epoch ms or null. */
function revocationOf(s: SessionFacts, revocations: readonly RevocationEntry[], from: number): number | null {
  let best: number | null = null;
  for (const e of revocations) {
    if (e.tenant !== null && e.tenant !== s.tenant) continue;
    const covers = (e.kind === 'session' && e.value === s.session) || (e.kind === 'agent' && e.value === s.agent);
    if (!covers || e.revokedAt < from) continue;
    if (best === null || e.revokedAt < best) best = e.revokedAt;
  }
  return best;
}

/** Nearest-rank quantile of sorted values; null when empty. */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
