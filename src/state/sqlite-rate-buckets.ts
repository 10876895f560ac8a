/**
 * Rate-limit buckets that survive a restart: the in-memory table (rate-buckets.ts)
 * answers every `take` synchronously, and the levels of the buckets it changed (tokens,
 * and when, in wall-clock ms) are written to `state.db` in batches (every `flushMs`,
 * at most `batchSize` (128) a transaction, the rest a turn of the event loop later; and all
 * of them on close). On open the most recently used buckets (at most `maxBuckets`) are
 * read back and refill only by the wall time elapsed since, so a bucket an agent
 * emptied is still about empty after a restart.
 *
 * What a restart may lose: nothing after a clean stop (SIGTERM writes everything); a
 * process killed outright (kill -9) loses the tokens taken since the last batch, at
 * most `flushMs` of them (1 s by default), so those buckets come back that much fuller.
 * A bucket whose level would be full by now is dropped from the table (absent and full
 * are the same), so the table holds only buckets in use; it is also cut to the
 * `maxBuckets` most recently used.
 *
 * Gates sharing one data directory each count in their own memory and write their own
 * levels (the last write of a key wins); buckets shared live by several gates are the
 * Redis store's job.
 *
 * @example
 * const rates = openRateBucketStore(dataDir, { maxBuckets: 65_536 });
 * rates.take([{ key: 'k', requests: 10, perMs: 60_000, burst: 10 }], 65_536); // { ok: true }
 * await rates.close();
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { MemoryRateBuckets, type BucketLevel, type RateAsk, type RateBucketStore, type RateTake } from './rate-buckets.js';
import { openStateTables, stateError } from './sqlite-db.js';

export interface RateBucketStoreOptions {
  /** Buckets read back on open at most (the config's `rate_limits.max_buckets`); default 65,536. */
  maxBuckets?: number;
  /** How often changed levels are written; default 1000 ms (what a kill -9 may lose). 0: only on `flush` and close. */
  flushMs?: number;
  /** Buckets written per transaction; default 128 (about 1 to 4 ms of a busy loop; the rest a turn later each). */
  batchSize?: number;
  /** Wall-clock ms; default `performance.timeOrigin + performance.now()` (monotonic within the process). */
  now?: () => number;
  /** A batch that could not be written (kept for the next one). */
  onError?: (err: unknown) => void;
}

const SCHEMA = [
  `CREATE TABLE rate_buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, at REAL NOT NULL,
    requests INTEGER NOT NULL, per_ms INTEGER NOT NULL, burst INTEGER NOT NULL, full_at REAL NOT NULL) WITHOUT ROWID`,
  'CREATE INDEX rate_buckets_full_at ON rate_buckets (full_at)',
  'CREATE INDEX rate_buckets_at ON rate_buckets (at)',
];

interface Row {
  key: string;
  tokens: number;
  at: number;
  requests: number;
  per_ms: number;
  burst: number;
}

/** When a bucket at `l` is full again (wall-clock ms). */
function fullAt(l: BucketLevel): number {
  return l.at + ((l.burst - l.tokens) * l.perMs) / l.requests;
}

/** The SQLite-backed store; open it with openRateBucketStore. */
export class SqliteRateBuckets implements RateBucketStore {
  readonly #mem: MemoryRateBuckets;
  readonly #db: Db;
  readonly #put: Statement<[string, number, number, number, number, number, number]>;
  readonly #dropFull: Statement<[number]>;
  readonly #cap: Statement<[number]>;
  readonly #batchSize: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;
  readonly #timer: NodeJS.Timeout | null;
  /** Taken from the table and not yet written. */
  #pending: BucketLevel[] = [];
  #draining = false;
  #closed = false;
  #flushes = 0;

  constructor(db: Db, opts: RateBucketStoreOptions = {}) {
    this.#db = db;
    this.#now = opts.now ?? (() => performance.timeOrigin + performance.now());
    this.#max = Math.max(16, opts.maxBuckets ?? 65_536);
    this.#batchSize = Math.max(1, opts.batchSize ?? 128);
    this.#onError = opts.onError ?? (() => undefined);
    this.#mem = new MemoryRateBuckets(this.#now, { track: true });
    this.#put = db.prepare(
      `INSERT INTO rate_buckets (key, tokens, at, requests, per_ms, burst, full_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, at = excluded.at, requests = excluded.requests,
         per_ms = excluded.per_ms, burst = excluded.burst, full_at = excluded.full_at`,
    );
    this.#dropFull = db.prepare('DELETE FROM rate_buckets WHERE full_at <= ?');
    this.#cap = db.prepare('DELETE FROM rate_buckets WHERE key IN (SELECT key FROM rate_buckets ORDER BY at DESC LIMIT -1 OFFSET ?)');
    this.#load();
    const flushMs = opts.flushMs ?? 1000;
    this.#timer = flushMs > 0 ? setInterval(() => this.#flushLogged(), flushMs).unref() : null;
  }

  get size(): number {
    return this.#mem.size;
  }

  take(asks: readonly RateAsk[], maxBuckets: number): RateTake {
    return this.#mem.take(asks, maxBuckets);
  }

  /** Write every changed level now (in as many transactions as it takes). */
  flush(): void {
    while (this.#writeBatch()) {
      // Until nothing is left.
    }
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    try {
      this.flush();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(stateError(this.#db.name, err));
    } finally {
      this.#db.close();
    }
  }

  /** The buckets still in use, most recently used last, into the table. */
  #load(): void {
    const now = this.#now();
    this.#dropFull.run(now);
    this.#cap.run(this.#max);
    const rows = this.#db.prepare<[number], Row>('SELECT key, tokens, at, requests, per_ms, burst FROM rate_buckets ORDER BY at DESC LIMIT ?').all(this.#max);
    for (let i = rows.length - 1; i >= 0; i--) {
      const r = rows[i]!;
      if (!(r.requests > 0 && r.per_ms > 0 && r.burst > 0)) continue;
      this.#mem.restore({ key: r.key, tokens: r.tokens, at: r.at, requests: r.requests, perMs: r.per_ms, burst: r.burst }, this.#max);
    }
  }

  /** One transaction of at most `batchSize` levels; true when more are left. */
  #writeBatch(): boolean {
    if (this.#pending.length === 0) this.#pending = this.#mem.takeChanged();
    if (this.#pending.length === 0) return false;
    const batch = this.#pending.splice(0, this.#batchSize);
    try {
      this.#db.transaction(() => {
        for (const l of batch) this.#put.run(l.key, l.tokens, l.at, l.requests, l.perMs, l.burst, fullAt(l));
      })();
    } catch (err) {
      // Not written: they go out with a later batch (marked changed again, as they are then).
      this.#mem.unwritten(batch);
      this.#mem.unwritten(this.#pending);
      this.#pending = [];
      throw stateError(this.#db.name, err);
    }
    if (this.#pending.length > 0) return true;
    // A round written: now and then drop the rows that are full by now and cut the table to its bound.
    if (++this.#flushes % 30 === 1) {
      this.#dropFull.run(this.#now());
      this.#cap.run(this.#max);
    }
    return false;
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
}

/**
 * Open the rate-limit buckets on `<dataDir>/state.db`, reading back the ones in use.
 * Throws SluiceError(STATE_UNAVAILABLE) naming the file.
 *
 * @example
 * const rates = openRateBucketStore(dir, { maxBuckets: config.rate_limits.max_buckets });
 */
export function openRateBucketStore(dataDir: string, opts: RateBucketStoreOptions = {}): SqliteRateBuckets {
  const db = openStateTables(dataDir, 'rate_buckets', SCHEMA);
  try {
    // WAL with NORMAL: a written batch survives the process being killed; a power cut may lose the last ones.
    db.pragma('synchronous = NORMAL');
    return new SqliteRateBuckets(db, opts);
  } catch (err) {
    db.close();
    throw stateError(db.name, err);
  }
}
