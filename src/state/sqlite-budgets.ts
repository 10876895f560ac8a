/**
 * Budget accounts in the embedded SQLite database (`state.db`), behind the in-memory
 * ledger (budget-ledger.ts): one row per account (its start, its pause), one per
 * account and window (the counters, added to in batches: `INSERT ... ON CONFLICT DO
 * UPDATE SET calls = calls + excluded.calls`, so gates sharing the file add up rather
 * than overwrite), and the raises operators gave, one row each.
 *
 * The connection runs with `synchronous = NORMAL` (WAL): a batch is durable once
 * written against a process killed outright; a power cut may lose the last batches.
 * Pauses and raises are written at once, not batched.
 *
 * @example
 * const budgets = openBudgetStore(dataDir, { flushMs: 1000 });
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { BudgetMetric } from '../config/budget-section.js';
import { BUDGET_METRICS } from '../config/budget-section.js';
import { checkName } from '../identity/names.js';
import { InvalidArgumentError } from '../identity/errors.js';
import { accountKey, windowStart, type BudgetAccount } from './budget-plan.js';
import { BudgetLedger, type LedgerBacking, type LedgerDelta, type LedgerOptions } from './budget-ledger.js';
import { COUNTERS, zeroCounts, type BudgetAccountFilter, type BudgetAccountView, type BudgetRaise, type BudgetRaiseEntry, type Counts } from './budgets.js';
import { BUSY_TIMEOUT_MS, openStateTables, stateError } from './sqlite-db.js';

export interface SqliteBudgetOptions extends LedgerOptions {
  /** A one-shot CLI: wait for locks like one (the gate's connection may not wait long). */
  cli?: boolean;
}

const KEY = 'budget TEXT NOT NULL, per TEXT NOT NULL, tenant TEXT NOT NULL, subject TEXT NOT NULL';
const SCHEMA = [
  `CREATE TABLE budget_accounts (${KEY}, started_at INTEGER NOT NULL, paused_at INTEGER, paused_metric TEXT,
    PRIMARY KEY (budget, per, tenant, subject)) WITHOUT ROWID`,
  `CREATE TABLE budget_usage (${KEY}, window_start INTEGER NOT NULL, ${COUNTERS.map((c) => `${c} ${c === 'cost' ? 'REAL' : 'INTEGER'} NOT NULL DEFAULT 0`).join(', ')},
    PRIMARY KEY (budget, per, tenant, subject, window_start)) WITHOUT ROWID`,
  `CREATE TABLE budget_raises (id INTEGER PRIMARY KEY AUTOINCREMENT, ${KEY}, window_start INTEGER NOT NULL,
    metric TEXT NOT NULL, by_amount REAL, to_amount REAL, at INTEGER NOT NULL)`,
  'CREATE INDEX budget_raises_account ON budget_raises (budget, per, tenant, subject, window_start)',
];

type KeyArgs = [string, string, string, string];
interface AccountRow {
  budget: string;
  per: BudgetAccount['per'];
  tenant: string;
  subject: string;
  started_at: number;
  paused_at: number | null;
  paused_metric: string | null;
}
interface RaiseRow {
  metric: string;
  by_amount: number | null;
  to_amount: number | null;
}

const WHERE_KEY = 'budget = ? AND per = ? AND tenant = ? AND subject = ?';

/** The SQLite side of the ledger. */
class SqliteBudgetBacking implements LedgerBacking {
  readonly #db: Db;
  readonly #account: Statement<KeyArgs, AccountRow>;
  readonly #usage: Statement<[...KeyArgs, number], Counts>;
  readonly #raises: Statement<[...KeyArgs, number], RaiseRow>;
  readonly #start: Statement<[...KeyArgs, number]>;
  readonly #add: Statement<[...KeyArgs, number, ...number[]], Counts>;

  constructor(db: Db) {
    this.#db = db;
    this.#account = db.prepare(`SELECT * FROM budget_accounts WHERE ${WHERE_KEY}`);
    this.#usage = db.prepare(`SELECT ${COUNTERS.join(', ')} FROM budget_usage WHERE ${WHERE_KEY} AND window_start = ?`);
    this.#raises = db.prepare(`SELECT metric, by_amount, to_amount FROM budget_raises WHERE ${WHERE_KEY} AND window_start = ? ORDER BY id`);
    this.#start = db.prepare(
      `INSERT INTO budget_accounts (budget, per, tenant, subject, started_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET started_at = MIN(started_at, excluded.started_at)`,
    );
    this.#add = db.prepare(
      `INSERT INTO budget_usage (budget, per, tenant, subject, window_start, ${COUNTERS.join(', ')}) VALUES (?, ?, ?, ?, ?, ${COUNTERS.map(() => '?').join(', ')})
       ON CONFLICT DO UPDATE SET ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}
       RETURNING ${COUNTERS.join(', ')}`,
    );
  }

  load(account: BudgetAccount, start: number): Omit<BudgetAccountView, 'startedAt'> & { startedAt: number | null } {
    return this.#guard(() => {
      const k = keyArgs(account);
      const row = this.#account.get(...k);
      return {
        account,
        windowStart: start,
        used: this.#usage.get(...k, start) ?? zeroCounts(),
        startedAt: row?.started_at ?? null,
        pausedAt: row?.paused_at ?? null,
        pausedMetric: metricOrNull(row?.paused_metric),
        raises: this.#raises.all(...k, start).map((r) => ({ metric: r.metric as BudgetMetric, by: r.by_amount, to: r.to_amount })),
      };
    });
  }

  write(batch: readonly LedgerDelta[]): Map<string, Counts> {
    return this.#guard(() =>
      this.#db.transaction(() => {
        const totals = new Map<string, Counts>();
        for (const d of batch) {
          const k = keyArgs(d.account);
          if (d.startedAt !== null) this.#start.run(...k, d.startedAt);
          const t = this.#add.get(...k, d.windowStart, ...COUNTERS.map((c) => d.delta[c]));
          if (t !== undefined) totals.set(`${accountKey(d.account)}|${d.windowStart}`, t);
        }
        return totals;
      })(),
    );
  }

  pause(account: BudgetAccount, at: number, metric: BudgetMetric): void {
    this.#guard(() =>
      this.#db
        .prepare(
          `INSERT INTO budget_accounts (budget, per, tenant, subject, started_at, paused_at, paused_metric) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO UPDATE SET paused_at = excluded.paused_at, paused_metric = excluded.paused_metric`,
        )
        .run(...keyArgs(account), at, at, metric),
    );
  }

  raise(r: BudgetRaise, at: number): BudgetRaiseEntry {
    if ((r.by === undefined) === (r.to === undefined)) throw new InvalidArgumentError('raise', 'give exactly one of --by and --to');
    const amount = r.by ?? r.to!;
    if (!Number.isFinite(amount) || amount < 0) throw new InvalidArgumentError('raise', `expected an amount of 0 or more; got ${amount}`);
    const a = checkedAccount(r.account);
    const start = windowStart(r.windowMs, at);
    return this.#guard(() =>
      this.#db
        .transaction((): BudgetRaiseEntry => {
          const k = keyArgs(a);
          const paused = this.#account.get(...k)?.paused_at != null;
          const id = this.#db
            .prepare(
              'INSERT INTO budget_raises (budget, per, tenant, subject, window_start, metric, by_amount, to_amount, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            )
            .run(...k, start, r.metric, r.by ?? null, r.to ?? null, at).lastInsertRowid;
          if (paused) this.#db.prepare(`UPDATE budget_accounts SET paused_at = NULL, paused_metric = NULL WHERE ${WHERE_KEY}`).run(...k);
          return { id: String(id), at, windowStart: start, unpaused: paused };
        })
        .immediate(),
    );
  }

  accounts(filter: BudgetAccountFilter, windows: (budget: string) => number | null, now: number): BudgetAccountView[] {
    const parts: string[] = [];
    const params: string[] = [];
    for (const col of ['budget', 'per', 'tenant', 'subject'] as const) {
      const v = filter[col];
      if (v === undefined) continue;
      parts.push(`${col} = ?`);
      params.push(v);
    }
    const rows = this.#guard(() =>
      this.#db
        .prepare<string[], AccountRow>(
          `SELECT * FROM budget_accounts${parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : ''} ORDER BY budget, tenant, subject`,
        )
        .all(...params),
    );
    return rows.map((row) => {
      const account: BudgetAccount = { budget: row.budget, per: row.per, tenant: row.tenant, subject: row.subject };
      return { ...this.load(account, windowStart(windows(row.budget), now)), startedAt: row.started_at };
    });
  }

  close(): void {
    this.#db.close();
  }

  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw err instanceof InvalidArgumentError ? err : stateError(this.#db.name, err);
    }
  }
}

/**
 * Open the budget store on `<dataDir>/state.db`: the ledger, writing to SQLite.
 *
 * @example
 * const store = openBudgetStore(dir, { cli: true, flushMs: 0 });
 * await store.raise({ account, metric: 'calls', by: 10, windowMs: null });
 */
export function openBudgetStore(dataDir: string, opts: SqliteBudgetOptions = {}): BudgetLedger {
  const db = openStateTables(dataDir, 'budgets', SCHEMA, opts.cli === true ? { busyTimeoutMs: BUSY_TIMEOUT_MS } : {});
  try {
    // WAL with NORMAL: a committed batch survives the process being killed; only a power cut may lose the last ones.
    db.pragma('synchronous = NORMAL');
    return new BudgetLedger(new SqliteBudgetBacking(db), opts);
  } catch (err) {
    db.close();
    throw stateError(db.name, err);
  }
}

function keyArgs(a: BudgetAccount): KeyArgs {
  return [a.budget, a.per, a.tenant, a.subject];
}

/** An operator's names, checked like the CLI's other names (a tenant or session typed wrong refuses, rather than raising nothing). */
function checkedAccount(a: BudgetAccount): BudgetAccount {
  return {
    budget: checkName('budget', a.budget),
    per: a.per,
    tenant: a.tenant === '' ? '' : checkName('tenant', a.tenant),
    subject: a.subject === '' ? '' : checkName(a.per, a.subject),
  };
}

function metricOrNull(v: string | null | undefined): BudgetMetric | null {
  return v != null && (BUDGET_METRICS as readonly string[]).includes(v) ? (v as BudgetMetric) : null;
}
