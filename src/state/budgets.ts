/**
 * Budgets' counters: the interface the request path, the MCP guard and the CLI use,
 * whichever backend keeps them (embedded SQLite today: sqlite-budgets.ts, behind the
 * in-memory ledger of budget-ledger.ts). The limits come from the config
 * (budget-plan.ts); the store keeps what each account has spent, its pauses and the
 * raises operators gave it.
 *
 * Semantics, the same for every backend:
 * - `take` asks whether any budget a request counts against is paused or has a counter
 *   at its limit (`time`: the account's age) and, when none is, charges the request's
 *   calls and writes, as one step (atomic on a shared backend: a Redis script); `charge`
 *   adds bytes, tokens and cost once the response is over. So a budget is overspent by
 *   at most what the requests in flight when it was reached spend, never by a request
 *   sent after, and never in calls or writes.
 * - An exhausted budget with `on_exhausted: pause` pauses its account: every request
 *   counted in it is refused, whatever window comes, until `raise` lifts the pause.
 * - A raise applies to the window it was given in: `by` adds to the limit, `to` sets it.
 * - What a process has charged reaches the backend in batches: a process killed
 *   outright loses at most its last batch (see the backend for how much that is).
 *
 * @example
 * const refused = await store.take(asks, kind, asks.map(() => ({ calls: 1, writes: isWrite ? 1 : 0 })));
 * if (refused === null) forward(); // charged already
 */
import type { BudgetMetric } from '../config/budget-section.js';
import type { Budget, BudgetAccount } from './budget-plan.js';

/** What an account counts (`tokens` and `time` are derived: input plus output, now minus its start). */
export const COUNTERS = ['calls', 'writes', 'bytes_in', 'bytes_out', 'input_tokens', 'output_tokens', 'cost'] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

/** What a request may spend besides calls, bytes and time. */
export interface RequestKind {
  readonly write: boolean;
  readonly llm: boolean;
}

/** Whether a counter at its limit refuses a request of `kind`. */
export function limits(m: BudgetMetric, kind: RequestKind): boolean {
  if (m === 'writes') return kind.write;
  if (m === 'tokens' || m === 'input_tokens' || m === 'output_tokens' || m === 'cost') return kind.llm;
  return true;
}

/** One budget a request counts against, and the account it counts in. */
export interface BudgetAsk {
  readonly budget: Budget;
  readonly account: BudgetAccount;
  /** accountKey(account), made once per request (budget-plan.ts, asksFor). */
  readonly key: string;
}

/** Why `check` refused: the budget, the metric at its limit, what was spent, when it resets. */
export interface BudgetRefusal {
  readonly ask: BudgetAsk;
  readonly metric: BudgetMetric;
  /** The limit in force (the config's, as raised). */
  readonly limit: number;
  readonly used: number;
  /** When the window resets (epoch ms); null: a life-long budget, or a paused account (only a raise helps). */
  readonly resetsAt: number | null;
  /** The account is paused (now, or since earlier): refused until an operator raises it. */
  readonly paused: boolean;
}

/** An operator's raise of one account's limit. */
export interface BudgetRaise {
  readonly account: BudgetAccount;
  readonly metric: BudgetMetric;
  /** Add to the limit in force (exactly one of `by` and `to`). */
  readonly by?: number;
  /** Set the limit. */
  readonly to?: number;
  /** The budget's window (null: life): the raise holds for the window it was given in. */
  readonly windowMs: number | null;
}

export interface BudgetRaiseEntry {
  readonly id: string;
  readonly at: number;
  readonly windowStart: number;
  /** The account was paused, and no longer is. */
  readonly unpaused: boolean;
}

/** One account's state in its current window, for `sluice budget show`. */
export interface BudgetAccountView {
  readonly account: BudgetAccount;
  readonly windowStart: number;
  readonly used: Readonly<Counts>;
  /** When it first spent (epoch ms): where `time` counts from. */
  readonly startedAt: number;
  readonly pausedAt: number | null;
  readonly pausedMetric: BudgetMetric | null;
  /** Raises given in this window, oldest first. */
  readonly raises: readonly { readonly metric: BudgetMetric; readonly by: number | null; readonly to: number | null }[];
}

export interface BudgetAccountFilter {
  budget?: string;
  per?: BudgetAccount['per'];
  tenant?: string;
  subject?: string;
}

export interface BudgetStore {
  /**
   * Check and, when nothing refuses, charge, at once: the first ask whose account is
   * paused or at a limit this request could spend, charging nothing; or null, having
   * added `spend[i]` to `asks[i]`'s account. `writes` is checked only for a write,
   * tokens and cost only for an LLM call; the rest for every request. The SQLite
   * ledger answers synchronously from memory; a shared backend (Redis) returns a
   * Promise, and rejects with StateUnavailableError when it cannot be asked.
   */
  take(
    asks: readonly BudgetAsk[],
    kind: RequestKind,
    spend: readonly Readonly<Partial<Counts>>[],
    now?: number,
  ): BudgetRefusal | null | Promise<BudgetRefusal | null>;
  /** Add `spend` to every ask's account (synchronous; reaches the backend with the next batch). */
  charge(asks: readonly BudgetAsk[], spend: Readonly<Partial<Counts>>, now?: number): void;
  /** Record a raise durably, and lift the account's pause. */
  raise(r: BudgetRaise): Promise<BudgetRaiseEntry>;
  /** Accounts matching `filter`, in their window holding `now` (a budget's window comes with `windows`). */
  accounts(filter: BudgetAccountFilter, windows: (budget: string) => number | null, now?: number): Promise<BudgetAccountView[]>;
  /** Write what was charged and not yet written. */
  flush(): void;
  /** Flush, and let go. */
  close(): Promise<void>;
}

/** Zero of every counter. */
export function zeroCounts(): Counts {
  return { calls: 0, writes: 0, bytes_in: 0, bytes_out: 0, input_tokens: 0, output_tokens: 0, cost: 0 };
}

/** A metric's value in `used`, with `time` counted from `startedAt` (null: not started) to `now`. */
export function usedOf(m: BudgetMetric, used: Readonly<Counts>, startedAt: number | null, now: number): number {
  if (m === 'time') return startedAt === null ? 0 : now - startedAt;
  if (m === 'tokens') return used.input_tokens + used.output_tokens;
  return used[m];
}

/** The limit in force: the config's, with the window's raises applied in order (`to` sets, `by` adds). */
export function limitInForce(base: number, metric: BudgetMetric, raises: BudgetAccountView['raises']): number {
  let limit = base;
  for (const r of raises) {
    if (r.metric !== metric) continue;
    if (r.to !== null) limit = r.to;
    else if (r.by !== null) limit += r.by;
  }
  return limit;
}
