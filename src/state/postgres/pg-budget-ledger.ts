/**
 * The budgets' ledger in PostgreSQL: a copy of the Redis budget keys (redis-budgets.ts)
 * that outlives Redis. Redis stays the authority for every check and charge (one
 * atomic script); this copy is what it is rebuilt from when it comes up empty.
 *
 * - **Copy** (`snapshot`, every `everyMs`, default 1 s, on one replica at a time: a
 *   Redis lock per interval): every `budget:*` key is read by a script with its type,
 *   value and time to live, and upserted into `budget_ledger` (a row per key; an older
 *   copy never replaces a newer one); rows of keys that expired are deleted. Nothing is
 *   copied while the marker is missing: an empty Redis must not be taken for the truth.
 * - **Read back** (`restore`, when a budget script answers that the marker is missing):
 *   under a Redis lock, one replica writes every unexpired row whose key Redis lacks
 *   (a key Redis has is newer: the scripts write nothing while the marker is missing),
 *   then sets the marker; the other replicas wait for it (bounded). Until then no
 *   budget is counted, so no account starts again from zero.
 *
 * What a Redis loss costs: the charges of the last copy interval (about a second).
 * PostgreSQL unreachable: copies fail (reported to `onError`, retried next interval);
 * a restore that cannot read the ledger fails, and budgets refuse (or allow, per
 * `state.redis_down`) until it can.
 *
 * @example
 * const ledger = new PgBudgetLedger(pool, redis, { onError: (err) => log.error({ err }) });
 * const store = new RedisBudgetStore(redis, { failOpen: false, restore: () => ledger.restore() });
 * ledger.start();
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { LEDGER_KEYS, LEDGER_MARKER } from '../redis/redis-budgets.js';

export interface BudgetLedgerOptions {
  /** Copy interval, ms (default 1000). */
  readonly everyMs?: number;
  /** A copy that failed (PostgreSQL or Redis unreachable). */
  readonly onError?: (err: unknown) => void;
  /** How long a replica waits for another's restore before giving up (default 10 s). */
  readonly waitMs?: number;
  readonly now?: () => number;
  /** Awaited before the first query (the schema's migrations). */
  readonly ready?: () => Promise<unknown>;
}

type Kind = 'hash' | 'list' | 'set' | 'string';
interface Row {
  key: string;
  kind: Kind;
  data: Record<string, string> | string[] | string;
  expire_at: number;
}

const SNAP_LOCK = `${LEDGER_KEYS}snap`;
const RESTORE_LOCK = `${LEDGER_KEYS}restore`;
/** Keys read per script call, and rows written per INSERT. */
const BATCH = 500;

/**
 * KEYS: the marker, then the keys to read. Returns false when the marker is missing,
 * else per key `{type, pttl, value as JSON}` (a key gone meanwhile: type 'none').
 */
const READ_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local out = {}
for i = 2, #KEYS do
  local k = KEYS[i]
  local t = redis.call('TYPE', k).ok
  local v = ''
  if t == 'hash' then
    local flat = redis.call('HGETALL', k)
    local m = {}
    for j = 1, #flat, 2 do m[flat[j]] = flat[j + 1] end
    v = cjson.encode(m)
  elseif t == 'list' then v = cjson.encode(redis.call('LRANGE', k, 0, -1))
  elseif t == 'set' then v = cjson.encode(redis.call('SMEMBERS', k))
  elseif t == 'string' then v = cjson.encode(redis.call('GET', k)) end
  out[#out + 1] = {t, redis.call('PTTL', k), v}
end
return out
`;

/**
 * Write the rows whose keys Redis lacks. KEYS: the keys; ARGV[1]: JSON rows
 * `[kind, data, expireAt]` in KEYS' order; ARGV[2]: now (ms). Returns how many were written.
 */
const WRITE_SCRIPT = `
local rows = cjson.decode(ARGV[1])
local now = tonumber(ARGV[2])
local n = 0
for i, k in ipairs(KEYS) do
  local r = rows[i]
  local kind, data, exp = r[1], r[2], r[3]
  if redis.call('EXISTS', k) == 0 and (exp == 0 or exp > now) then
    if kind == 'hash' then
      for f, v in pairs(data) do redis.call('HSET', k, f, v) end
    elseif kind == 'list' then
      for _, v in ipairs(data) do redis.call('RPUSH', k, v) end
    elseif kind == 'set' then
      for _, v in ipairs(data) do redis.call('SADD', k, v) end
    elseif kind == 'string' then
      redis.call('SET', k, data)
    end
    if exp > 0 and redis.call('EXISTS', k) == 1 then redis.call('PEXPIREAT', k, exp) end
    n = n + 1
  end
end
return n
`;

interface LedgerCommands {
  sluiceLedgerRead(numKeys: number, ...args: string[]): Promise<[string, number, string][] | null>;
  sluiceLedgerWrite(numKeys: number, ...args: string[]): Promise<number>;
}

export class PgBudgetLedger {
  readonly #pool: pg.Pool;
  readonly #redis: Redis & LedgerCommands;
  readonly #everyMs: number;
  readonly #waitMs: number;
  readonly #onError: (err: unknown) => void;
  readonly #now: () => number;
  readonly #prefix: string;
  readonly #ready: () => Promise<unknown>;
  #timer: NodeJS.Timeout | null = null;
  #copying: Promise<void> | null = null;

  constructor(pool: pg.Pool, redis: Redis, opts: BudgetLedgerOptions = {}) {
    redis.defineCommand('sluiceLedgerRead', { lua: READ_SCRIPT });
    redis.defineCommand('sluiceLedgerWrite', { lua: WRITE_SCRIPT });
    this.#pool = pool;
    this.#redis = redis as Redis & LedgerCommands;
    this.#everyMs = opts.everyMs ?? 1000;
    this.#waitMs = opts.waitMs ?? 10_000;
    this.#onError = opts.onError ?? (() => undefined);
    this.#now = opts.now ?? Date.now;
    this.#ready = opts.ready ?? (() => Promise.resolve());
    // SCAN's pattern and its answers carry the client's key prefix; commands add it themselves.
    this.#prefix = redis.options.keyPrefix ?? '';
  }

  /** Copy every interval until `stop`. */
  start(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => void this.#copyIfDue(), this.#everyMs);
    this.#timer.unref();
  }

  /** Stop copying, after one last copy (a gate shutting down leaves the ledger current). */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#copying;
    await this.snapshot().catch((err: unknown) => this.#onError(err));
  }

  /** One copy now (the interval's, when this replica holds its lock). */
  async #copyIfDue(): Promise<void> {
    if (this.#copying !== null) return;
    this.#copying = (async () => {
      try {
        const got = await this.#redis.set(SNAP_LOCK, '1', 'PX', Math.max(1, this.#everyMs - 50), 'NX');
        if (got === 'OK') await this.snapshot();
      } catch (err) {
        this.#onError(err);
      }
    })().finally(() => (this.#copying = null));
    await this.#copying;
  }

  /** Copy every budget key into the ledger; returns how many rows were written (0 while the marker is missing). */
  async snapshot(): Promise<number> {
    const rows: Row[] = [];
    const now = this.#now();
    let cursor = '0';
    do {
      const [next, found] = await this.#redis.scan(cursor, 'MATCH', `${this.#prefix}budget:*`, 'COUNT', BATCH);
      cursor = next;
      const keys = found.map((k) => k.slice(this.#prefix.length)).filter((k) => !k.startsWith(LEDGER_KEYS));
      if (keys.length === 0) continue;
      const read = await this.#redis.sluiceLedgerRead(keys.length + 1, LEDGER_MARKER, ...keys);
      if (read === null) return 0;
      read.forEach(([type, pttl, value], i) => {
        if (type !== 'hash' && type !== 'list' && type !== 'set' && type !== 'string') return;
        const parsed = JSON.parse(value) as Row['data'] | Record<string, never>;
        // cjson writes an empty array as {}.
        const data = (type === 'list' || type === 'set') && !Array.isArray(parsed) ? [] : parsed;
        rows.push({ key: keys[i]!, kind: type, data, expire_at: pttl > 0 ? now + pttl : 0 });
      });
    } while (cursor !== '0');
    await this.#ready();
    for (let i = 0; i < rows.length; i += BATCH) {
      await this.#pool.query(
        `INSERT INTO budget_ledger (key, kind, data, expire_at, saved_at)
         SELECT r.key, r.kind, r.data, r.expire_at, $2 FROM jsonb_to_recordset($1::jsonb) AS r(key text, kind text, data jsonb, expire_at bigint)
         ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, data = excluded.data, expire_at = excluded.expire_at, saved_at = excluded.saved_at
         WHERE budget_ledger.saved_at <= excluded.saved_at`,
        [JSON.stringify(rows.slice(i, i + BATCH)), now],
      );
    }
    await this.#pool.query('DELETE FROM budget_ledger WHERE expire_at > 0 AND expire_at < $1', [now]);
    return rows.length;
  }

  /**
   * Bring the ledger back into Redis and set the marker (one replica; the others wait
   * for the marker). Keys Redis already has are left as they are.
   */
  async restore(): Promise<void> {
    const me = randomUUID();
    const deadline = this.#now() + this.#waitMs;
    for (;;) {
      if ((await this.#redis.exists(LEDGER_MARKER)) === 1) return;
      if ((await this.#redis.set(RESTORE_LOCK, me, 'PX', this.#waitMs, 'NX')) === 'OK') break;
      if (this.#now() > deadline) throw new Error('another replica has held the budget ledger restore for too long');
      await new Promise((r) => setTimeout(r, 50));
    }
    try {
      if ((await this.#redis.exists(LEDGER_MARKER)) === 1) return;
      await this.#ready();
      const now = this.#now();
      const { rows } = await this.#pool.query<{ key: string; kind: Kind; data: Row['data']; expire_at: string }>(
        'SELECT key, kind, data, expire_at FROM budget_ledger WHERE expire_at = 0 OR expire_at > $1 ORDER BY key',
        [now],
      );
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH);
        await this.#redis.sluiceLedgerWrite(
          batch.length,
          ...batch.map((r) => r.key),
          JSON.stringify(batch.map((r) => [r.kind, r.data, Number(r.expire_at)])),
          String(now),
        );
      }
      await this.#redis.set(LEDGER_MARKER, String(now));
    } finally {
      // Release only our own lock (it may have expired and been taken by another replica).
      if ((await this.#redis.get(RESTORE_LOCK)) === me) await this.#redis.del(RESTORE_LOCK);
    }
  }
}
