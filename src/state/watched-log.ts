/**
 * An append-only table in the embedded SQLite database (`state.db`) that every gate
 * watches for other processes' writes: the shared mechanism of revocations, the kill
 * switch and quarantines, and whatever log a CLI writes and a gate must apply.
 *
 * Rows only ever get added (ids only grow; an undo or a lift is a row too), so every
 * process loads incrementally: every `pollMs` it reads `PRAGMA data_version` (a counter
 * in shared memory that moves when another connection commits; no table is read) and,
 * when it moved, hands the rows added since its last load to the store's `apply`.
 * A participant (a gate, a `sluice mcp` wrapper) then acknowledges the highest id it
 * applied, so the CLI that wrote can wait until every running gate applied it.
 *
 * Reads fail closed: `assertCurrent()` (called by the store before it answers a
 * request) polls itself when the timer is overdue (a blocked loop serves queued
 * requests before timers), throws once the table has been unreadable for `maxStaleMs`,
 * and throws at once while `state.db` is not the file this connection opened (removed
 * or replaced under the gate).
 *
 * @example
 * const log = WatchedLog.open<Row>(dataDir, { table: 'stops', schema, columns: 'id, kind', what: 'the kill switch', store: 'stop store', apply }, opts);
 * log.write(() => { insert.run(...); log.load(); });
 * log.assertCurrent(); // before answering from the snapshot
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { ErrorCode, SluiceError } from '../errors.js';
import { Participant, waitForParticipants, type Ledger, type ParticipantKind } from './participants.js';
import { fileIdentity, type FileIdentity } from './private-sqlite.js';
import { assertStateFile, BUSY_TIMEOUT_MS, openStateTables, stateError, type SchemaStep } from './sqlite-db.js';

export interface WatchedLogOptions {
  /** How often to look for other processes' writes, ms; default 100. */
  pollMs?: number;
  /** Watch for other writers at all; default true. A one-shot CLI passes false. */
  watch?: boolean;
  /** How long the database may stay unreadable before reads throw instead of answering from a snapshot that may be stale; default 5000 ms. */
  maxStaleMs?: number;
  /** Told about poll failures and throwing listeners (for the gate's log). */
  onError?: (err: unknown) => void;
  /** Clock, epoch ms; for tests. */
  now?: () => number;
  /** Register this process as one that enforces the log (a gate, a `sluice mcp` wrapper) and acknowledge each load. Needs `watch`. */
  participant?: ParticipantKind;
}

export interface WatchedLogSpec<Row extends { id: number }, A extends unknown[] = []> {
  /** The table, also the schema component name in `schema_versions`. */
  readonly table: string;
  readonly schema: readonly SchemaStep[];
  /** The columns `apply` receives, as a SELECT list. */
  readonly columns: string;
  /** What the rows are, for the stale refusal: "revocations could not be read for 5001ms". */
  readonly what: string;
  /** The store's name, for the closed error: "the revocation store is closed". */
  readonly store: string;
  /** Who applied how far; default the revocations' `participants`. */
  readonly ledger?: Ledger;
  /** Fold newly added rows (in id order) into the store's snapshot; `log` is for `notify` (this runs inside `open` too). */
  apply(rows: Row[], log: WatchedLog<Row, A>): void;
}

export class WatchedLog<Row extends { id: number }, A extends unknown[] = []> {
  readonly db: Db;
  readonly #listeners = new Set<(...args: A) => void>();
  readonly #spec: WatchedLogSpec<Row, A>;
  readonly #since: Statement<[number], Row>;
  readonly #dataVersion: Statement<[], number>;
  readonly #timer: NodeJS.Timeout | null;
  readonly #maxStaleMs: number;
  readonly #onError: (err: unknown) => void;
  readonly now: () => number;
  readonly #participant: Participant | null;
  /** The file this connection opened; a poll that finds another (or none) fails closed. */
  readonly #opened: FileIdentity | null;
  #lastId = 0;
  /** When the last poll ran, and after how long without one a reader polls itself. */
  #polledAt = 0;
  #overdueMs = Infinity;
  #version: number;
  #failingSince: number | null = null;
  /** Set while state.db is removed or replaced: every read refuses at once. */
  #lost: SluiceError | null = null;
  #closed = false;

  /**
   * Open the table in `dataDir` (creating `state.db` and the table if missing), load
   * every row into `spec.apply` and, unless `watch: false`, start watching.
   *
   * @example
   * const log = WatchedLog.open(dir, spec, { participant: 'gate' });
   */
  static open<Row extends { id: number }, A extends unknown[] = []>(
    dataDir: string,
    spec: WatchedLogSpec<Row, A>,
    opts: WatchedLogOptions = {},
  ): WatchedLog<Row, A> {
    // A one-shot writer may wait for a lock; a watching process serves requests on this loop.
    const db = openStateTables(dataDir, spec.table, spec.schema, opts.watch === false ? { busyTimeoutMs: BUSY_TIMEOUT_MS } : {});
    try {
      return new WatchedLog(db, dataDir, spec, opts);
    } catch (err) {
      db.close();
      throw stateError(db.name, err);
    }
  }

  private constructor(db: Db, dataDir: string, spec: WatchedLogSpec<Row, A>, opts: WatchedLogOptions) {
    this.db = db;
    this.#spec = spec;
    this.#opened = fileIdentity(db.name);
    this.#maxStaleMs = opts.maxStaleMs ?? 5000;
    this.#onError = opts.onError ?? (() => undefined);
    this.now = opts.now ?? Date.now;
    this.#since = db.prepare<[number], Row>(`SELECT ${spec.columns} FROM ${spec.table} WHERE id > ? ORDER BY id`);
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.#version = this.#dataVersion.get() ?? 0;
    this.load();
    const pollMs = opts.pollMs ?? 100;
    const watch = opts.watch !== false;
    if (watch && (!Number.isFinite(pollMs) || pollMs <= 0)) throw new RangeError(`pollMs must be > 0; got ${pollMs}`);
    // Registered before the poll starts, so a failed registration leaves no timer behind.
    this.#participant =
      opts.participant !== undefined && watch ? Participant.register(dataDir, opts.participant, this.#lastId, this.#onError, spec.ledger) : null;
    if (watch) {
      // unref: watching must never keep a process alive on its own.
      this.#timer = setInterval(() => this.#poll(), pollMs).unref();
      this.#polledAt = this.now();
      this.#overdueMs = pollMs * 3;
    } else {
      this.#timer = null;
    }
  }

  /**
   * Run a write (which calls `load()` after its commit: our own commit does not move our
   * data_version); validation errors pass through, SQLite's become STATE_UNAVAILABLE
   * naming the file.
   */
  write<T>(fn: () => T): Promise<T> {
    try {
      this.#assertOpen();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof SluiceError ? err : stateError(this.db.name, err));
    }
  }

  /** Load the rows added since the last load (this also picks up other processes' rows committed before ours), then acknowledge. */
  load(): void {
    const rows = this.#since.all(this.#lastId);
    const last = rows.at(-1);
    if (last !== undefined) {
      this.#lastId = last.id;
      this.#spec.apply(rows, this);
    }
    // Only now is it applied (in the snapshot, and every listener has ended what it
    // must): tell the CLI. A failed ack throws into #poll, which loads (and acks) again.
    this.#participant?.ack(this.#lastId);
  }

  /**
   * Never answer from a snapshot that may be stale: poll if the timer is overdue, throw
   * if the table has been unreadable too long or the file was replaced. Returns the time read.
   */
  assertCurrent(): number {
    this.#assertOpen();
    const now = this.now();
    if (now - this.#polledAt > this.#overdueMs) this.#poll();
    if (this.#failingSince !== null && now - this.#failingSince > this.#maxStaleMs) {
      throw new SluiceError(
        ErrorCode.STATE_UNAVAILABLE,
        `${this.db.name}: ${this.#spec.what} could not be read for ${now - this.#failingSince}ms; refusing rather than answer from a stale list`,
        { file: this.db.name },
      );
    }
    if (this.#lost !== null) throw this.#lost;
    return now;
  }

  /** Wait until every live participant applied row `id`; returns those still behind at the timeout, described. */
  async awaitApplied(id: string, timeoutMs: number): Promise<string[]> {
    this.#assertOpen();
    try {
      const behind = await waitForParticipants(this.db, Number(id), { timeoutMs, ...(this.#spec.ledger ? { ledger: this.#spec.ledger } : {}) });
      return behind.map((r) => `${r.kind} pid ${r.pid} on ${r.host} (applied up to ${r.applied_id})`);
    } catch (err) {
      throw stateError(this.db.name, err);
    }
  }

  /** Hear of what `apply` reports through `notify` (the gate ends what a stop or a revocation covers). */
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
    throw new SluiceError(ErrorCode.STATE_UNAVAILABLE, `${this.db.name}: ${this.#spec.table} row ${id} was written but not read back`);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#listeners.clear();
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#participant?.leave();
    this.db.close();
    return Promise.resolve();
  }

  #assertOpen(): void {
    if (this.#closed) throw new SluiceError(ErrorCode.STATE_UNAVAILABLE, `the ${this.#spec.store} is closed`);
  }

  #poll(): void {
    if (this.#closed) return;
    this.#polledAt = this.now();
    try {
      if (this.#opened !== null) this.#checkFile(this.#opened);
      const v = this.#dataVersion.get() ?? 0;
      // Load on every poll while failing, so a recovered database clears the failure.
      if (v !== this.#version || this.#failingSince !== null) {
        this.#version = v;
        this.load();
      }
      this.#failingSince = null;
    } catch (err) {
      // A lost file has its own precise refusal (assertCurrent), reported once by #checkFile.
      if (err === this.#lost) return;
      this.#failingSince ??= this.now();
      this.#onError(stateError(this.db.name, err));
    }
  }

  /** Fail closed while state.db is not the file we opened; clear that when it is again (moved back). */
  #checkFile(opened: FileIdentity): void {
    try {
      assertStateFile(this.db.name, opened);
    } catch (err) {
      const now = err as SluiceError;
      const lost = this.#lost !== null && this.#lost.details.cause === now.details.cause ? this.#lost : now;
      if (lost !== this.#lost) {
        this.#lost = lost;
        this.#onError(lost); // once per change, loudly: every request is refused from now on
      }
      throw lost;
    }
    this.#lost = null;
  }
}
