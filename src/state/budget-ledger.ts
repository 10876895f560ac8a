/**
 * The budget store as the gate uses it: every account it has touched held in memory,
 * so `check` and `charge` never wait on a disk or a network, and what was charged
 * written to the backend in batches (every `flushMs`, and on close). A backend (SQLite
 * today; PostgreSQL or Redis later) implements LedgerBacking: load an account on its
 * first use, write a batch and hand back the totals (so gates sharing the state see
 * each other's spending, a batch late), pause, raise, list.
 *
 * Before refusing, an account is read again from the backend (at most every
 * `recheckMs`): an operator's `sluice budget raise` in another process takes effect at
 * the agent's next try, with no watcher polling the state.
 *
 * @example
 * const ledger = new BudgetLedger(backing, { flushMs: 1000 });
 * const refused = ledger.check(asks);
 */
import type { BudgetMetric } from '../config/budget-section.js';
import { accountKey, windowStart, type BudgetAccount } from './budget-plan.js';
import {
  COUNTERS,
  limitInForce,
  limits,
  usedOf,
  zeroCounts,
  type BudgetAccountFilter,
  type BudgetAccountView,
  type BudgetAsk,
  type BudgetRaise,
  type BudgetRaiseEntry,
  type BudgetRefusal,
  type BudgetStore,
  type Counts,
  type RequestKind,
} from './budgets.js';

/** One account's spending in one window, not yet written. */
export interface LedgerDelta {
  readonly account: BudgetAccount;
  readonly windowStart: number;
  readonly delta: Readonly<Counts>;
  /** When the account first spent; null when the backend has it already. */
  readonly startedAt: number | null;
}

/** What a backend does for the ledger. `load` and `write` are synchronous: they run on the gate's timer, not per request. */
export interface LedgerBacking {
  /** The account's state in the window starting at `windowStart` (zeros and no start when it never spent). */
  load(account: BudgetAccount, windowStart: number): Omit<BudgetAccountView, 'startedAt'> & { startedAt: number | null };
  /** Add the deltas; returns each account's totals in its window afterwards, by `accountKey|windowStart`. */
  write(batch: readonly LedgerDelta[]): Map<string, Counts>;
  pause(account: BudgetAccount, at: number, metric: BudgetMetric): void;
  raise(r: BudgetRaise, at: number): BudgetRaiseEntry;
  accounts(filter: BudgetAccountFilter, windows: (budget: string) => number | null, now: number): BudgetAccountView[];
  close(): void;
}

export interface LedgerOptions {
  /** How often what was charged is written; default 1000 ms (a process killed outright loses at most this much). */
  flushMs?: number;
  /** Accounts written per transaction; more wait for the next turn of the event loop, so a write never stalls requests for long. Default 128. */
  batchSize?: number;
  /** How often a refusing account may be read again from the backend; default 50 ms. */
  recheckMs?: number;
  /** Accounts held in memory at most; past it, they are written and let go (read again on next use). */
  maxAccounts?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

interface Held {
  readonly account: BudgetAccount;
  readonly key: string;
  windowStart: number;
  /** Totals as the backend had them plus what this process charged since. */
  used: Counts;
  pending: Counts;
  dirty: boolean;
  startedAt: number | null;
  /** The backend has the account's start. */
  startWritten: boolean;
  pausedAt: number | null;
  pausedMetric: BudgetMetric | null;
  raises: BudgetAccountView['raises'];
  readAt: number;
}

export class BudgetLedger implements BudgetStore {
  readonly #held = new Map<string, Held>();
  /** Accounts charged since they were last written. */
  readonly #dirty = new Set<Held>();
  /** Windows rolled over before their spending was written. */
  #rolled: LedgerDelta[] = [];
  readonly #batchSize: number;
  #draining = false;
  readonly #timer: NodeJS.Timeout | null;
  readonly #now: () => number;
  readonly #recheckMs: number;
  readonly #max: number;
  readonly #onError: (err: unknown) => void;
  #closed = false;

  constructor(
    private readonly backing: LedgerBacking,
    opts: LedgerOptions = {},
  ) {
    this.#now = opts.now ?? Date.now;
    this.#recheckMs = opts.recheckMs ?? 50;
    this.#max = opts.maxAccounts ?? 100_000;
    this.#onError = opts.onError ?? (() => undefined);
    this.#batchSize = Math.max(1, opts.batchSize ?? 128);
    const flushMs = opts.flushMs ?? 1000;
    this.#timer = flushMs > 0 ? setInterval(() => this.#flushLogged(), flushMs).unref() : null;
  }

  /** The first ask whose account is paused or at a limit this request could spend, or null; charges nothing. */
  check(asks: readonly BudgetAsk[], kind: RequestKind, now = this.#now()): BudgetRefusal | null {
    for (const ask of asks) {
      let h = this.#get(ask, now);
      let refused = refusalOf(ask, h, kind, now);
      if (refused === null) continue;
      // Refusing: an operator may have raised it from another process meanwhile.
      if (now - h.readAt >= this.#recheckMs) {
        h = this.#reload(h, ask.budget.windowMs, now);
        refused = refusalOf(ask, h, kind, now);
        if (refused === null) continue;
      }
      if (ask.budget.pause && h.pausedAt === null) {
        // The pause is written at once: so is what led to it, so `sluice budget show` in
        // another process reads the counts the pause was decided on.
        this.#writeBatch(h);
        h.pausedAt = now;
        h.pausedMetric = refused.metric;
        this.backing.pause(h.account, now, refused.metric);
        refused = { ...refused, paused: true, resetsAt: null };
      }
      return refused;
    }
    return null;
  }

  /** check, then charge `spend[i]` to `asks[i]` when nothing refused: one synchronous step, so nothing runs between them. */
  take(asks: readonly BudgetAsk[], kind: RequestKind, spend: readonly Readonly<Partial<Counts>>[], now = this.#now()): BudgetRefusal | null {
    const refused = this.check(asks, kind, now);
    if (refused !== null) return refused;
    asks.forEach((ask, i) => {
      const s = spend[i];
      if (s !== undefined && Object.values(s).some((v) => v !== 0)) this.charge([ask], s, now);
    });
    return null;
  }

  charge(asks: readonly BudgetAsk[], spend: Readonly<Partial<Counts>>, now = this.#now()): void {
    for (const ask of asks) {
      const h = this.#get(ask, now);
      h.startedAt ??= now;
      for (const c of COUNTERS) {
        const v = spend[c];
        if (v === undefined || v === 0 || !Number.isFinite(v)) continue;
        h.used[c] += v;
        h.pending[c] += v;
      }
      // Even with nothing to add (a tunnel that moved no bytes), the account's start must be written.
      h.dirty = true;
      this.#dirty.add(h);
    }
  }

  raise(r: BudgetRaise): Promise<BudgetRaiseEntry> {
    try {
      const entry = this.backing.raise(r, this.#now());
      // Read again at its next use (what it charged and did not write stays).
      const h = this.#held.get(accountKey(r.account));
      if (h !== undefined) h.readAt = -Infinity;
      return Promise.resolve(entry);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  accounts(filter: BudgetAccountFilter, windows: (budget: string) => number | null, now = this.#now()): Promise<BudgetAccountView[]> {
    try {
      this.flush();
      return Promise.resolve(this.backing.accounts(filter, windows, now));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Write everything charged and not yet written (in as many transactions as it takes). */
  flush(): void {
    while (this.#writeBatch()) {
      // Until nothing is left.
    }
  }

  /** Write one batch (at most `batchSize` accounts, or only account `only` if it has unwritten charges); true when more are left. */
  #writeBatch(only?: Held): boolean {
    const batch = only === undefined ? this.#rolled.splice(0, this.#batchSize) : [];
    const dirty: Held[] = [];
    for (const h of only === undefined ? this.#dirty : [only]) {
      if (batch.length >= this.#batchSize) break;
      if (!this.#dirty.delete(h)) continue;
      dirty.push(h);
      batch.push({ account: h.account, windowStart: h.windowStart, delta: h.pending, startedAt: h.startWritten ? null : (h.startedAt ?? this.#now()) });
      h.pending = zeroCounts();
      h.dirty = false;
    }
    if (batch.length === 0) return false;
    let totals: Map<string, Counts>;
    try {
      totals = this.backing.write(batch);
    } catch (err) {
      // Not written: charge it again next time rather than lose it.
      this.#rolled.push(...batch);
      throw err;
    }
    for (const h of dirty) {
      h.startWritten = true;
      const t = totals.get(`${h.key}|${h.windowStart}`);
      // What others wrote meanwhile, plus what this process charged since the batch was taken.
      if (t !== undefined) for (const c of COUNTERS) h.used[c] = t[c] + h.pending[c];
    }
    return this.#rolled.length > 0 || this.#dirty.size > 0;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    try {
      this.flush();
    } finally {
      this.backing.close();
    }
    return Promise.resolve();
  }

  /** The timer's flush: one batch now, the rest a turn of the event loop later each, so requests are served between them. */
  #flushLogged(): void {
    if (this.#draining || this.#closed) return;
    let more: boolean;
    try {
      more = this.#writeBatch();
    } catch (err) {
      this.#onError(err);
      return;
    }
    if (!more) return;
    this.#draining = true;
    setImmediate(() => {
      this.#draining = false;
      this.#flushLogged();
    });
  }

  #get(ask: BudgetAsk, now: number): Held {
    const key = ask.key;
    const start = windowStart(ask.budget.windowMs, now);
    const h = this.#held.get(key);
    if (h !== undefined && h.windowStart === start) return h;
    if (h !== undefined && h.dirty) {
      this.#dirty.delete(h);
      this.#rolled.push({ account: h.account, windowStart: h.windowStart, delta: h.pending, startedAt: h.startWritten ? null : (h.startedAt ?? now) });
    }
    if (h === undefined && this.#held.size >= this.#max) this.#shed();
    return this.#reload(h ?? null, ask.budget.windowMs, now, ask.account, key);
  }

  /** Read the account from the backend; what this process charged and did not write yet stays on top. */
  #reload(h: Held | null, windowMs: number | null, now: number, account = h!.account, key = h!.key): Held {
    const start = windowStart(windowMs, now);
    const stored = this.backing.load(account, start);
    const same = h !== null && h.windowStart === start;
    const pending = same ? h.pending : zeroCounts();
    const used = zeroCounts();
    for (const c of COUNTERS) used[c] = stored.used[c] + pending[c];
    const fresh: Held = {
      account,
      key,
      windowStart: start,
      used,
      pending,
      dirty: same && h.dirty,
      startedAt: stored.startedAt ?? h?.startedAt ?? null,
      startWritten: stored.startedAt !== null,
      pausedAt: stored.pausedAt,
      pausedMetric: stored.pausedMetric,
      raises: stored.raises,
      readAt: now,
    };
    this.#held.set(key, fresh);
    if (h !== null && this.#dirty.delete(h) && fresh.dirty) this.#dirty.add(fresh);
    return fresh;
  }

  /** Too many accounts held: write them all and let go of them (each is read again on its next use). */
  #shed(): void {
    try {
      this.flush();
    } catch (err) {
      this.#onError(err);
    }
    for (const [k, h] of this.#held) if (!h.dirty) this.#held.delete(k);
  }
}

/** Why `h` refuses a request under `ask` now: paused, or a counter at its limit; null when it allows it. */
function refusalOf(ask: BudgetAsk, h: Held, kind: RequestKind, now: number): BudgetRefusal | null {
  const b = ask.budget;
  const resetsAt = b.windowMs === null ? null : h.windowStart + b.windowMs;
  if (h.pausedAt !== null) {
    const metric = h.pausedMetric ?? firstMetric(b.limits);
    const limit = limitInForce(b.limits[metric] ?? 0, metric, h.raises);
    return { ask, metric, limit, used: usedOf(metric, h.used, h.startedAt, now), resetsAt: null, paused: true };
  }
  for (const m in b.limits) {
    const metric = m as BudgetMetric;
    if (!limits(metric, kind)) continue;
    const limit = limitInForce(b.limits[metric]!, metric, h.raises);
    const used = usedOf(metric, h.used, h.startedAt, now);
    if (used >= limit) return { ask, metric, limit, used, resetsAt, paused: false };
  }
  return null;
}

function firstMetric(limits: BudgetAsk['budget']['limits']): BudgetMetric {
  return (Object.keys(limits)[0] ?? 'calls') as BudgetMetric;
}
