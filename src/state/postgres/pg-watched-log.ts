/**
 * An append-only table in PostgreSQL that every replica keeps in memory: the shared
 * mechanism of revocations, the kill switch and quarantines, and approvals on the
 * postgres backend, as watched-log.ts is for `state.db`.
 *
 * Rows only ever get added (an undo, a lift, a decision is a row too) and ids only
 * grow in commit order (every write takes the table's advisory lock before its insert,
 * so no id can commit after a larger one was read). Each replica loads every row at
 * open, then incrementally (`id > last`):
 * - at once when the insert trigger's NOTIFY on `<namespace>.<table>` arrives over
 *   its LISTEN connection (milliseconds, on every replica);
 * - every `pollMs` (default 1000) anyway: the fallback while the LISTEN connection is
 *   down, and the catch-up of whatever was notified while it was.
 * Reads on the hot path stay synchronous, from memory, exactly as with SQLite.
 *
 * Reads fail closed: `assertCurrent()` throws once the table has been unreadable (or a
 * load has hung) for `maxStaleMs`. A participant (a gate) acknowledges the highest id
 * it applied in `participants`, so the CLI that wrote can wait for every replica.
 *
 * @example
 * const log = await PgWatchedLog.open(conn, { table: 'stops', columns, what: 'the kill switch', store: 'stop store', apply }, { participant: 'gate' });
 * await log.write((c) => c.query('INSERT INTO stops ...'));
 * log.assertCurrent(); // before answering from the snapshot
 */
import type pg from 'pg';
import { ErrorCode, SluiceError } from '../../errors.js';
import type { ParticipantKind } from '../participants.js';
import type { SharedConnections } from '../shared-backend.js';
import { PgParticipant, waitForPgParticipants } from './pg-participants.js';

export interface PgWatchedLogOptions {
  /** How often to load whatever LISTEN missed, ms; default 1000. */
  pollMs?: number;
  /** Watch for other replicas' writes at all; default true. A one-shot CLI passes false. */
  watch?: boolean;
  /** How long the table may stay unreadable before reads throw instead of answering from a snapshot that may be stale; default 5000 ms. */
  maxStaleMs?: number;
  /** Told about load failures, lost LISTEN connections and throwing listeners (for the gate's log). */
  onError?: (err: unknown) => void;
  /** Clock, epoch ms; for tests. */
  now?: () => number;
  /** Register this process as one that enforces the log (a gate) and acknowledge each load. Needs `watch`. */
  participant?: ParticipantKind;
}

export interface PgWatchedLogSpec<Row extends { id: number }, A extends unknown[] = []> {
  readonly table: string;
  /** The SELECT list `apply` receives; ids and times cast to float8 so they arrive as numbers. */
  readonly columns: string;
  /** What the rows are, for the stale refusal. */
  readonly what: string;
  /** The store's name, for the closed error. */
  readonly store: string;
  /** Fold newly added rows (in id order) into the store's snapshot. */
  apply(rows: Row[], log: PgWatchedLog<Row, A>): void;
}

/** The advisory lock class writers of a log hold until commit (the key is the table's hash). */
const WRITE_LOCK = 0x5c1cf;

export class PgWatchedLog<Row extends { id: number }, A extends unknown[] = []> {
  readonly pool: pg.Pool;
  readonly namespace: string;
  readonly now: () => number;
  readonly #spec: PgWatchedLogSpec<Row, A>;
  readonly #listeners = new Set<(...args: A) => void>();
  readonly #maxStaleMs: number;
  readonly #onError: (err: unknown) => void;
  readonly #release: () => Promise<void>;
  #participant: PgParticipant | null = null;
  #timer: NodeJS.Timeout | null = null;
  #listen: pg.PoolClient | null = null;
  #connecting = false;
  #lastId = 0;
  #loading: Promise<void> | null = null;
  #again = false;
  #failingSince: number | null = null;
  #loadingSince: number | null = null;
  #closed = false;

  /**
   * Bring the schema up to date, load every row into `spec.apply` and, unless
   * `watch: false`, LISTEN and poll.
   *
   * @example
   * const log = await PgWatchedLog.open(conn, spec, { participant: 'gate' });
   */
  static async open<Row extends { id: number }, A extends unknown[] = []>(
    conn: SharedConnections,
    spec: PgWatchedLogSpec<Row, A>,
    opts: PgWatchedLogOptions = {},
  ): Promise<PgWatchedLog<Row, A>> {
    const release = conn.use();
    try {
      await conn.ready();
      const log = new PgWatchedLog(conn, spec, opts, release);
      try {
        await log.#start(opts);
      } catch (err) {
        await log.close();
        throw err;
      }
      return log;
    } catch (err) {
      await release();
      throw pgStateError(conn.namespace, err);
    }
  }

  private constructor(conn: SharedConnections, spec: PgWatchedLogSpec<Row, A>, opts: PgWatchedLogOptions, release: () => Promise<void>) {
    this.pool = conn.pool;
    this.namespace = conn.namespace;
    this.#spec = spec;
    this.#release = release;
    this.#maxStaleMs = opts.maxStaleMs ?? 5000;
    this.#onError = opts.onError ?? (() => undefined);
    this.now = opts.now ?? Date.now;
  }

  async #start(opts: PgWatchedLogOptions): Promise<void> {
    const watch = opts.watch !== false;
    const pollMs = opts.pollMs ?? 1000;
    if (watch && (!Number.isFinite(pollMs) || pollMs <= 0)) throw new RangeError(`pollMs must be > 0; got ${pollMs}`);
    if (watch) await this.#connectListener(); // first: nothing committed after the load below is missed
    await this.load();
    if (!watch) return;
    if (opts.participant !== undefined) {
      this.#participant = await PgParticipant.register(this.pool, this.#spec.table, opts.participant, this.#lastId, this.#onError);
    }
    // unref: watching must never keep a process alive on its own.
    this.#timer = setInterval(() => this.#poll(), pollMs).unref();
  }

  /**
   * Run a write in one transaction holding the table's write lock (ids commit in id
   * order), then load what it added. Validation errors pass through; PostgreSQL's
   * become STATE_UNAVAILABLE naming the namespace.
   */
  async write<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.#assertOpen();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw pgStateError(this.namespace, err);
    }
    let result: T;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [WRITE_LOCK, `${this.namespace}.${this.#spec.table}`]);
      result = await fn(client);
      await client.query('COMMIT');
    } catch (err) {
      // A connection that cannot even roll back is broken: destroyed, not pooled.
      const healthy = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      client.release(!healthy);
      throw pgStateError(this.namespace, err);
    }
    client.release();
    await this.load();
    return result;
  }

  /** Load the rows added since the last load, then acknowledge. Concurrent calls share one query (and one more after it). */
  load(): Promise<void> {
    if (this.#loading !== null) {
      // The running load queries once more before it resolves: it sees what was committed before this call.
      this.#again = true;
      return this.#loading;
    }
    this.#loadingSince = this.now();
    const run = async (): Promise<void> => {
      try {
        do {
          this.#again = false;
          const { rows } = await this.pool.query<Row>(`SELECT ${this.#spec.columns} FROM ${this.#spec.table} WHERE id > $1 ORDER BY id`, [this.#lastId]);
          const last = rows.at(-1);
          if (last !== undefined && !this.#closed) {
            this.#lastId = last.id;
            this.#spec.apply(rows, this);
          }
          this.#participant?.ack(this.#lastId);
        } while (this.#again && !this.#closed);
        this.#failingSince = null;
      } catch (err) {
        this.#failingSince ??= this.#loadingSince ?? this.now();
        throw pgStateError(this.namespace, err);
      } finally {
        this.#loadingSince = null;
        this.#loading = null;
      }
    };
    this.#loading = run();
    return this.#loading;
  }

  /** The highest id loaded. */
  get lastId(): number {
    return this.#lastId;
  }

  /**
   * Never answer from a snapshot that may be stale: throw once loads have failed (or
   * one has hung) for `maxStaleMs`. Returns the time read.
   */
  assertCurrent(): number {
    this.#assertOpen();
    const now = this.now();
    const since = this.#failingSince ?? this.#loadingSince;
    if (since !== null && now - since > this.#maxStaleMs) {
      throw new SluiceError(
        ErrorCode.STATE_UNAVAILABLE,
        `PostgreSQL state (namespace ${this.namespace}): ${this.#spec.what} could not be read for ${now - since}ms; refusing rather than answer from a stale list`,
      );
    }
    return now;
  }

  /** Wait until every live participant applied row `id`; returns those still behind at the timeout, described. */
  async awaitApplied(id: string, timeoutMs: number): Promise<string[]> {
    this.#assertOpen();
    try {
      const behind = await waitForPgParticipants(this.pool, this.#spec.table, Number(id), { timeoutMs });
      return behind.map((r) => `${r.kind} pid ${r.pid} on ${r.host} (applied up to ${r.applied_id})`);
    } catch (err) {
      throw pgStateError(this.namespace, err);
    }
  }

  onChange(listener: (...args: A) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Call each listener; one that throws is reported and does not stop the others. */
  notify(...args: A): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(...args);
      } catch (err) {
        this.#onError(err);
      }
    }
  }

  /** A row written but not found after the load that follows its commit. */
  unread(id: string): never {
    throw new SluiceError(
      ErrorCode.STATE_UNAVAILABLE,
      `PostgreSQL state (namespace ${this.namespace}): ${this.#spec.table} row ${id} was written but not read back`,
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.#loading?.catch(() => undefined);
    await this.#participant?.leave();
    this.#dropListener(null, null);
    await this.#release();
  }

  #assertOpen(): void {
    if (this.#closed) throw new SluiceError(ErrorCode.STATE_UNAVAILABLE, `the ${this.#spec.store} is closed`);
  }

  #poll(): void {
    if (this.#closed) return;
    if (this.#listen === null) void this.#connectListener().catch(() => undefined);
    // A load still running is left alone (assertCurrent counts how long it hangs).
    if (this.#loading !== null) return;
    this.load().catch((err: unknown) => this.#onError(err));
  }

  /** LISTEN on the table's channel over a connection of its own; a lost one is dropped and retried by the next poll. */
  async #connectListener(): Promise<void> {
    if (this.#connecting || this.#closed) return;
    this.#connecting = true;
    try {
      const client = await this.pool.connect();
      client.on('error', (err) => this.#dropListener(client, err));
      // An idle connection that ends may say so with 'end' alone.
      client.on('end', () => this.#dropListener(client, new Error('the LISTEN connection ended')));
      client.on('notification', (m) => {
        if (m.channel === this.#channel) this.load().catch((err: unknown) => this.#onError(err));
      });
      try {
        await client.query(`LISTEN "${this.#channel}"`);
      } catch (err) {
        client.release(true);
        throw err;
      }
      if (this.#closed) {
        client.release(true);
        return;
      }
      this.#listen = client;
      // Whatever was committed while no one listened.
      if (this.#lastId > 0) this.load().catch((err: unknown) => this.#onError(err));
    } catch (err) {
      this.#onError(pgStateError(this.namespace, err));
      throw err;
    } finally {
      this.#connecting = false;
    }
  }

  #dropListener(lost: pg.PoolClient | null, err: Error | null): void {
    const client = this.#listen;
    if (client === null || (lost !== null && lost !== client)) return;
    this.#listen = null;
    if (err !== null) this.#onError(pgStateError(this.namespace, err));
    client.removeAllListeners('notification');
    // Destroyed, not pooled: a LISTEN connection is never handed to a query.
    client.release(true);
  }

  get #channel(): string {
    return `${this.namespace}.${this.#spec.table}`;
  }
}

/**
 * A PostgreSQL failure as the refusal the stores throw: STATE_UNAVAILABLE naming the
 * namespace (never the URL: it may carry a password).
 *
 * @example
 * throw pgStateError('prod', err);
 */
export function pgStateError(namespace: string, err: unknown): Error {
  if (err instanceof SluiceError) return err;
  if (err instanceof RangeError || err instanceof TypeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SluiceError(ErrorCode.STATE_UNAVAILABLE, `PostgreSQL state (namespace ${namespace}) unavailable: ${message}`);
}
