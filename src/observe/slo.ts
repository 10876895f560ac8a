/**
 * Two service-level measures over sessions, from the same records the other metrics
 * count:
 *
 * - **safe completion rate**: `sluice_sessions_total` (sessions seen) and
 *   `sluice_sessions_breached_total` (sessions with at least one breach refusal, as
 *   `sluice audit slo` defines one: `BREACH_REASONS` in audit/slo.ts). The rate over a
 *   window is `1 - increase(breached) / increase(sessions)`; `sluice audit slo`
 *   computes the exact figure over finished sessions from the trail.
 * - **containment time**: `sluice_containment_seconds`, from a session's first finding
 *   (or breach refusal) to its revocation (`sluice revoke --session`, or its agent's), observed when the
 *   revocation reaches this gate.
 *
 * Sessions are remembered per process in a bounded table (the oldest forgotten first),
 * never as a label: a session forgotten before its revocation is not timed.
 *
 * @example
 * slo.record(record);            // with every record
 * slo.revoked(entries);          // from the revocation store's onChange
 */
import { Counter, Histogram } from 'prom-client';
import type { AuditRecord } from '../audit/fields.js';
import type { RevocationEntry } from '../state/revocations.js';
import { registry } from './registry.js';
import { BREACH_REASONS } from '../audit/slo.js';

const sessions = new Counter({ name: 'sluice_sessions_total', help: 'Sessions seen (their first record through this gate).', registers: [registry] });
const breached = new Counter({
  name: 'sluice_sessions_breached_total',
  help: 'Sessions with at least one policy breach (a refusal by policy or inspection, or a blocking finding); safe completion rate = 1 - breached / sessions.',
  registers: [registry],
});
const containment = new Histogram({
  name: 'sluice_containment_seconds',
  help: "From a session's first finding to its revocation.",
  buckets: [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600],
  registers: [registry],
});

interface Seen {
  readonly tenant: string | null;
  readonly agent: string | null;
  firstFinding: number | null;
  breached: boolean;
}

/** Whether a record is a breach refusal, as `sluice audit slo` counts one (audit/slo.ts: the same definition). */
export function isBreach(r: AuditRecord): boolean {
  return r.outcome === 'deny' && r.reason !== 'identity_revoked' && BREACH_REASONS.has(r.reason);
}

export class SessionSlo {
  readonly #seen = new Map<string, Seen>();
  constructor(private readonly max = 10_000) {}

  /** Count a record's session (new, breached, first finding). */
  record(r: AuditRecord, now = Date.now()): void {
    if (r.session === null || r.outcome === 'challenge') return;
    const key = `${r.tenant ?? ''}\0${r.session}`;
    let s = this.#seen.get(key);
    if (s === undefined) {
      if (this.#seen.size >= this.max) this.#seen.delete(this.#seen.keys().next().value!);
      s = { tenant: r.tenant, agent: r.agent, firstFinding: null, breached: false };
      this.#seen.set(key, s);
      sessions.inc();
    }
    const breach = isBreach(r);
    // A finding, or a breach refusal, starts the containment clock (as audit/slo.ts does).
    if (s.firstFinding === null && (breach || r.findings.length > 0)) s.firstFinding = now;
    if (breach && !s.breached) {
      s.breached = true;
      breached.inc();
    }
  }

  /** Revocations that reached this gate: time each revoked session that had a finding (once). */
  revoked(entries: readonly RevocationEntry[]): void {
    for (const e of entries) {
      if (e.kind === 'token') continue;
      for (const [key, s] of this.#seen) {
        if (s.firstFinding === null) continue;
        if (e.tenant !== null && e.tenant !== s.tenant) continue;
        const match = e.kind === 'session' ? key.slice(key.indexOf('\0') + 1) === e.value : s.agent === e.value;
        if (!match) continue;
        containment.observe(Math.max(0, e.revokedAt - s.firstFinding) / 1000);
        s.firstFinding = null;
      }
    }
  }
}

/** The process's session table, fed by `observeRecord` (metrics.ts) and the gates' revocation watch. */
export const sessionSlo = new SessionSlo();
