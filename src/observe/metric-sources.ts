/**
 * The gauges of `/metrics`, read from each running gate's own state when scraped
 * (prom-client's `collect`), so the request path pays nothing for them: open exchanges
 * and tunnels (proxy/live-exchanges.ts), approvals pending (state/approvals.ts), the
 * audit backlog (records written and not yet in storage), and budget use (per budget
 * name, the fullest account's share of its limit: bounded by the config's budget names).
 * A process with several gates (tests, embedders) reports their sum (the worst, for budgets).
 *
 * Also the approval wait histogram, observed as approvals are decided.
 *
 * @example
 * const unwatch = watchGate({ exchanges: () => ..., approvalsPending: () => ..., auditBacklog: () => ..., budgetUse: async () => new Map() });
 * unwatch(); // on close
 */
import { Gauge, Histogram } from 'prom-client';
import type { ApprovalEntry, ApprovalStore } from '../state/approvals.js';
import { registry } from './registry.js';
import { LabelCap, LABEL_CAP_DEFAULT } from './label-cap.js';

/** What one gate tells the gauges. Each is read at scrape time only. */
export interface GaugeSource {
  exchanges(): { open: number; tunnels: number };
  approvalsPending(): number;
  auditBacklog(): number;
  /** Per budget name, the highest used/limit of any of its accounts in its current window. */
  budgetUse(): Promise<ReadonlyMap<string, number>>;
}

const sources = new Set<GaugeSource>();
const budgetNames = new LabelCap(LABEL_CAP_DEFAULT);

function sum(f: (s: GaugeSource) => number): number {
  let n = 0;
  for (const s of sources) {
    try {
      n += f(s);
    } catch {
      // A source that cannot say (a store closing) counts as nothing rather than failing the scrape.
    }
  }
  return n;
}

const openExchanges = new Gauge({
  name: 'sluice_open_exchanges',
  help: 'Exchanges in flight under an identity (requests, WebSocket sessions, tunnels).',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.exchanges().open));
  },
});

const openTunnels = new Gauge({
  name: 'sluice_open_tunnels',
  help: 'CONNECT tunnels open (intercepted or passthrough).',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.exchanges().tunnels));
  },
});

const approvalsPending = new Gauge({
  name: 'sluice_approvals_pending',
  help: 'Human approvals waiting for a decision.',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.approvalsPending()));
  },
});

const auditBacklog = new Gauge({
  name: 'sluice_audit_backlog',
  help: 'Audit records written by the gate and not yet committed to their storage (the writer queue).',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.auditBacklog()));
  },
});

const budgetUse = new Gauge({
  name: 'sluice_budget_use_ratio',
  help: "Per budget, the fullest account's use of its limit in the current window (1 = exhausted), over every metric the budget caps.",
  labelNames: ['budget'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const worst = new Map<string, number>();
    for (const s of sources) {
      try {
        for (const [name, ratio] of await s.budgetUse()) worst.set(name, Math.max(worst.get(name) ?? 0, ratio));
      } catch {
        // As above: an unreadable store leaves the gauge without that gate's accounts.
      }
    }
    for (const [name, ratio] of worst) this.set({ budget: budgetNames.of(name) }, ratio);
  },
});

const approvalWait = new Histogram({
  name: 'sluice_approval_wait_seconds',
  help: 'How long an approval waited, from request to decision, by result (approved, denied).',
  labelNames: ['result'] as const,
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600],
  registers: [registry],
});

/** Keep the gauges' families referenced (they register themselves). */
export const GAUGES = [openExchanges, openTunnels, approvalsPending, auditBacklog, budgetUse] as const;

/**
 * Register a gate's state for the gauges; the returned function unregisters it.
 *
 * @example
 * const unwatch = watchGate(source); ... unwatch();
 */
export function watchGate(source: GaugeSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

/**
 * Observe approval waits as they are decided (by this process or, through the shared
 * store, another one: each gate observes what it sees). Returns the unsubscribe function.
 *
 * @example
 * const stop = observeApprovals(store);
 */
export function observeApprovals(store: ApprovalStore): () => void {
  const seen = new Set<string>();
  return store.onChange((changed: ApprovalEntry[]) => {
    for (const e of changed) {
      if (e.decidedAt === null || (e.status !== 'approved' && e.status !== 'denied') || seen.has(e.id)) continue;
      // Bounded: an id decided long ago will not change again.
      if (seen.size >= 10_000) seen.clear();
      seen.add(e.id);
      approvalWait.observe({ result: e.status }, Math.max(0, e.decidedAt - e.createdAt) / 1000);
    }
  });
}
