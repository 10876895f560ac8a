/**
 * Budget counters in Redis, shared by every gate replica of a namespace. Unlike the
 * SQLite ledger (budget-ledger.ts: counted in memory, written in batches), every
 * request's check and charge is one Lua script run atomically on the server
 * (budget-scripts.ts): all the budgets a request counts in are checked and, only when
 * none refuses, all charged. So however many replicas hammer one account, a budget
 * is never overspent by a call or a write; bytes, tokens and cost (known once the
 * response is over) are added after it with HINCRBY / HINCRBYFLOAT, so those are
 * overspent by at most what the requests in flight at the limit spend, as with SQLite.
 *
 * Pauses and raises live in Redis too: a pause decided on one replica refuses on all
 * at their next request, and `sluice budget raise` (which opens this store from the
 * same config) lifts it for all.
 *
 * Durability: Redis is the authority for every check and charge; the ledger in
 * PostgreSQL (pg-budget-ledger.ts) copies its keys every second and is read back when
 * Redis comes up without them (a restart without persistence): the scripts refuse to
 * count while the ledger's marker is missing (-1), this store has the ledger read back
 * (`restore`) and asks again, so an account is never counted from zero after a Redis
 * loss; at most the last second of charges before it is lost. Windowed counters
 * expire a window after their window ends; life-long ones never.
 *
 * Unreachable Redis: every call throws StateUnavailableError (`failOpen` from
 * `state.redis_down`), the request path refuses or allows; charges after a response
 * that cannot be written are reported to `onError` and lost (never retried twice).
 *
 * @example
 * const store = new RedisBudgetStore(redis, { failOpen: false });
 * const refused = await store.take(asks, { write: false, llm: false }, asks.map(() => ({ calls: 1 })));
 */
import type { Redis } from 'ioredis';
import type { BudgetMetric } from '../../config/budget-section.js';
import { BUDGET_METRICS, BUDGET_SCOPES } from '../../config/budget-section.js';
import { InvalidArgumentError } from '../../identity/errors.js';
import { checkName } from '../../identity/names.js';
import { accountKey, windowStart, type BudgetAccount } from '../budget-plan.js';
import {
  COUNTERS,
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
} from '../budgets.js';
import { answered, StateUnavailableError } from '../state-unavailable.js';
import { CHARGE_SCRIPT, RAISE_SCRIPT, TAKE_SCRIPT } from './budget-scripts.js';

export interface RedisBudgetOptions {
  /** `state.redis_down: allow`: a caller lets requests through while Redis is unreachable. */
  readonly failOpen: boolean;
  /** A charge after a response that could not be written. */
  readonly onError?: (err: unknown) => void;
  /** Called once when the store closes (SharedConnections.use()'s release). */
  readonly release?: () => Promise<void>;
  readonly now?: () => number;
  /**
   * Bring Redis's budget keys back (from the ledger) and set the marker; called when a
   * script finds the marker missing. Default: set the marker (no ledger to read).
   */
  readonly restore?: () => Promise<void>;
}

type Reply = number | [number, string, string, string, number];
interface BudgetCommands {
  sluiceBudgetTake(numKeys: number, ...args: (string | number)[]): Promise<Reply>;
  sluiceBudgetCharge(numKeys: number, ...args: (string | number)[]): Promise<number>;
  sluiceBudgetRaise(numKeys: number, ...args: (string | number)[]): Promise<[number, number] | -1>;
}

const ALL = 'budget:accounts';
/** Set once Redis holds the budgets (restored from the ledger, or a new deployment); see budget-scripts.ts. */
export const LEDGER_MARKER = 'budget:ledger:epoch';
/** Keys of the ledger's own (marker and locks): never copied. */
export const LEDGER_KEYS = 'budget:ledger:';
const RAISE_IDS = 'budget:raise-ids';
const acctKey = (k: string): string => `budget:acct:${k}`;
const useKey = (k: string, ws: number): string => `budget:use:${k}:${ws}`;
const raiseKey = (k: string, ws: number): string => `budget:raise:${k}:${ws}`;

/** Windowed keys are kept one more window after theirs ends (for `sluice budget show`), then expire; life-long ones never. */
function expireAt(windowMs: number | null, ws: number): number {
  return windowMs === null ? 0 : ws + 2 * windowMs;
}

export class RedisBudgetStore implements BudgetStore {
  readonly #redis: Redis & BudgetCommands;
  readonly #failOpen: boolean;
  readonly #onError: (err: unknown) => void;
  readonly #release: () => Promise<void>;
  readonly #now: () => number;
  readonly #restore: () => Promise<void>;
  /** The restore in progress, shared by the requests that found the marker missing. */
  #restoring: Promise<void> | null = null;
  /** Charges on their way, awaited by close. */
  readonly #pending = new Set<Promise<unknown>>();
  #closed = false;

  constructor(redis: Redis, opts: RedisBudgetOptions) {
    redis.defineCommand('sluiceBudgetTake', { lua: TAKE_SCRIPT });
    redis.defineCommand('sluiceBudgetCharge', { lua: CHARGE_SCRIPT });
    redis.defineCommand('sluiceBudgetRaise', { lua: RAISE_SCRIPT });
    this.#redis = redis as Redis & BudgetCommands;
    this.#failOpen = opts.failOpen;
    this.#onError = opts.onError ?? (() => undefined);
    this.#release = opts.release ?? (() => Promise.resolve());
    this.#now = opts.now ?? Date.now;
    this.#restore = opts.restore ?? (async () => void (await redis.set(LEDGER_MARKER, String(Date.now()), 'NX')));
  }

  /**
   * Run a script; when it answers -1 (the ledger's marker is missing) have the ledger
   * read back, once for every request that found it so, and run it again.
   */
  async #withLedger<T>(run: () => Promise<T | -1>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const r = await run();
      if (r !== -1) return r;
      if (attempt === 2) throw new StateUnavailableError('budgets', this.#failOpen, new Error('the budget ledger could not be read back into Redis'));
      this.#restoring ??= this.#restore().finally(() => (this.#restoring = null));
      await this.#restoring;
    }
  }

  async take(asks: readonly BudgetAsk[], kind: RequestKind, spend: readonly Readonly<Partial<Counts>>[], now = this.#now()): Promise<BudgetRefusal | null> {
    if (asks.length === 0) return null;
    const { keys, args } = scriptArgs(asks, spend, now);
    let reply: Reply;
    try {
      reply = await this.#withLedger(() => this.#redis.sluiceBudgetTake(keys.length, ...keys, now, kind.write ? 1 : 0, kind.llm ? 1 : 0, args));
    } catch (err) {
      throw this.#unavailable(err);
    }
    if (typeof reply === 'number') return null;
    const [i, metric, limit, used, paused] = reply;
    const ask = asks[i - 1]!;
    const windowMs = ask.budget.windowMs;
    return {
      ask,
      metric: metric as BudgetMetric,
      limit: Number(limit),
      used: Number(used),
      resetsAt: paused === 1 || windowMs === null ? null : windowStart(windowMs, now) + windowMs,
      paused: paused === 1,
    };
  }

  charge(asks: readonly BudgetAsk[], spend: Readonly<Partial<Counts>>, now = this.#now()): void {
    if (asks.length === 0 || this.#closed) return;
    const { keys, args } = scriptArgs(
      asks,
      asks.map(() => spend),
      now,
    );
    const p = this.#withLedger(() => this.#redis.sluiceBudgetCharge(keys.length, ...keys, now, args))
      .catch((err: unknown) => this.#onError(this.#unavailable(err)))
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  async raise(r: BudgetRaise): Promise<BudgetRaiseEntry> {
    if ((r.by === undefined) === (r.to === undefined)) throw new InvalidArgumentError('raise', 'give exactly one of --by and --to');
    const amount = r.by ?? r.to!;
    if (!Number.isFinite(amount) || amount < 0) throw new InvalidArgumentError('raise', `expected an amount of 0 or more; got ${amount}`);
    const a = checkedAccount(r.account);
    const at = this.#now();
    const ws = windowStart(r.windowMs, at);
    const k = accountKey(a);
    const entry = JSON.stringify({ metric: r.metric, by: r.by ?? null, to: r.to ?? null, at });
    let reply: [number, number];
    try {
      reply = await this.#withLedger(() =>
        this.#redis.sluiceBudgetRaise(5, acctKey(k), raiseKey(k, ws), RAISE_IDS, ALL, LEDGER_MARKER, entry, expireAt(r.windowMs, ws), k),
      );
    } catch (err) {
      throw this.#unavailable(err);
    }
    return { id: String(reply[0]), at, windowStart: ws, unpaused: reply[1] === 1 };
  }

  async accounts(filter: BudgetAccountFilter, windows: (budget: string) => number | null, now = this.#now()): Promise<BudgetAccountView[]> {
    try {
      const members = await this.#redis.smembers(ALL);
      const wanted = members.map(parseAccount).filter((a): a is BudgetAccount => a !== null && matches(a, filter));
      wanted.sort((x, y) => cmp(x.budget, y.budget) || cmp(x.tenant, y.tenant) || cmp(x.subject, y.subject));
      const batch = this.#redis.pipeline();
      const starts = wanted.map((a) => windowStart(windows(a.budget), now));
      wanted.forEach((a, i) => {
        const k = accountKey(a);
        batch.hgetall(acctKey(k)).hgetall(useKey(k, starts[i]!)).lrange(raiseKey(k, starts[i]!), 0, -1);
      });
      const replies = (await batch.exec()) ?? [];
      const out: BudgetAccountView[] = [];
      wanted.forEach((account, i) => {
        const [acct, use, raises] = [0, 1, 2].map((j) => {
          const [err, v] = replies[i * 3 + j] ?? [new Error('no reply'), null];
          if (err) throw err;
          return v;
        }) as [Record<string, string>, Record<string, string>, string[]];
        if (acct.started_at === undefined) return;
        const used = zeroCounts();
        for (const c of COUNTERS) used[c] = Number(use[c] ?? 0);
        out.push({
          account,
          windowStart: starts[i]!,
          used,
          startedAt: Number(acct.started_at),
          pausedAt: acct.paused_at === undefined ? null : Number(acct.paused_at),
          pausedMetric: metricOrNull(acct.paused_metric),
          raises: raises.map((raw) => {
            const r = JSON.parse(raw) as { metric: BudgetMetric; by: number | null; to: number | null };
            return { metric: r.metric, by: r.by, to: r.to };
          }),
        });
      });
      return out;
    } catch (err) {
      throw this.#unavailable(err);
    }
  }

  /** Nothing is held back: every charge is sent when made. */
  flush(): void {}

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#pending]);
    await this.#release();
  }

  /** A server that answered with an error is a fault to report as it is (fail closed); anything else is Redis unreachable. */
  #unavailable(err: unknown): Error {
    if (answered(err)) return err;
    return new StateUnavailableError('budgets', this.#failOpen, err);
  }
}

/** The script's KEYS (three per ask, then the account set and the ledger's marker) and its asks argument (budget-scripts.ts). */
function scriptArgs(asks: readonly BudgetAsk[], spend: readonly Readonly<Partial<Counts>>[], now: number): { keys: string[]; args: string } {
  const keys: string[] = [];
  const rows = asks.map((ask, i) => {
    const b = ask.budget;
    const ws = windowStart(b.windowMs, now);
    keys.push(acctKey(ask.key), useKey(ask.key, ws), raiseKey(ask.key, ws));
    const limits = Object.entries(b.limits).map(([m, v]) => [m, v]);
    return [b.pause ? 1 : 0, expireAt(b.windowMs, ws), limits, amounts(spend[i] ?? {}), ask.key];
  });
  keys.push(ALL, LEDGER_MARKER);
  return { keys, args: JSON.stringify(rows) };
}

/** A spend as the script adds it: `[counter, amount]` pairs, whole numbers for counts (HINCRBY), decimals for cost. */
function amounts(s: Readonly<Partial<Counts>>): [string, string][] {
  const out: [string, string][] = [];
  for (const c of COUNTERS) {
    const v = s[c];
    if (v === undefined || v === 0 || !Number.isFinite(v)) continue;
    out.push([c, c === 'cost' ? v.toFixed(12) : String(Math.round(v))]);
  }
  return out;
}

function parseAccount(raw: string): BudgetAccount | null {
  try {
    const v = JSON.parse(raw) as unknown;
    if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'string')) return null;
    const [budget, per, tenant, subject] = v as [string, string, string, string];
    if (!(BUDGET_SCOPES as readonly string[]).includes(per)) return null;
    return { budget, per: per as BudgetAccount['per'], tenant, subject };
  } catch {
    return null;
  }
}

function matches(a: BudgetAccount, f: BudgetAccountFilter): boolean {
  return (
    (f.budget === undefined || f.budget === a.budget) &&
    (f.per === undefined || f.per === a.per) &&
    (f.tenant === undefined || f.tenant === a.tenant) &&
    (f.subject === undefined || f.subject === a.subject)
  );
}

function cmp(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** An operator's names, checked like the CLI's other names (as the SQLite store does). */
function checkedAccount(a: BudgetAccount): BudgetAccount {
  return {
    budget: checkName('budget', a.budget),
    per: a.per,
    tenant: a.tenant === '' ? '' : checkName('tenant', a.tenant),
    subject: a.subject === '' ? '' : checkName(a.per, a.subject),
  };
}

function metricOrNull(v: string | undefined): BudgetMetric | null {
  return v !== undefined && (BUDGET_METRICS as readonly string[]).includes(v) ? (v as BudgetMetric) : null;
}
