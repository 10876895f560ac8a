/**
 * Audit records into `<dataDir>/audit.db` (SQLite, WAL). `write()` only queues:
 * rows go in one transaction per batch, every `flushMs` or `batchSize` records,
 * so the request path never waits on the disk. A failed batch stays queued (bounded)
 * and marks the sink unhealthy until a later batch succeeds.
 */
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { ErrorCode, SluiceError } from '../errors.js';
import { openPrivateSqlite } from '../state/private-sqlite.js';
import { startCheckpointThread } from './checkpoint-thread.js';
import type { CheckpointThread } from './checkpoint-thread.js';
import type { AuditRecord } from './fields.js';
import { errorText, SinkHealth } from './health.js';
import type { AuditSink } from './sink.js';
import { AUDIT_DB_NAME, AuditSchemaError, ensureSchema, INSERT_CHECKPOINT_SQL, INSERT_SQL, recordToRow } from './sqlite-schema.js';
import type { Checkpoint } from './checkpoint-sign.js';

export interface SqliteAuditSinkOptions {
  /** Called LOUDLY (log at error) on every failed flush, dropped records and write-after-close. */
  onError: (err: Error) => void;
  /** Called once when a flush succeeds after failures. */
  onRecover?: () => void;
  /** Called after every transaction that committed records (the writer thread reports its counters then). */
  onCommit?: () => void;
  /** Flush after this long (default 20 ms). */
  flushMs?: number;
  /** Flush at once when this many records are queued (default 256). */
  batchSize?: number;
  /** Most records held while the database cannot be written; the oldest are dropped beyond it (default 10 000). */
  maxBuffered?: number;
  /** How long a write waits for another writer's lock (default 100 ms). It blocks the event loop, so keep it short. */
  busyTimeoutMs?: number;
  /** Longest pause between retries while unhealthy (default 1 000 ms). */
  maxRetryMs?: number;
  /**
   * Checkpoint the WAL from a worker thread this often (default 250 ms), so its fsyncs
   * stay off the event loop; 0 leaves it to SQLite, inside the flush that fills the WAL.
   */
  checkpointMs?: number;
}

/** SQLite codes that mean "try the same connection again"; anything else reopens the file. */
const TRANSIENT = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/**
 * @example
 * const sink = new SqliteAuditSink(config.data_dir, { onError: (err) => logger.error({ err }, 'AUDIT WRITE FAILED') });
 * sink.write(record);          // queued; in audit.db within ~20 ms
 * if (!sink.healthy) ...       // fail closed
 * await sink.close();          // flushes what is queued
 */
export class SqliteAuditSink extends SinkHealth implements AuditSink {
  /** Absolute path of the database file. */
  readonly file: string;
  private db: Database.Database | null = null;
  private insert: Database.Statement | null = null;
  private identity: { dev: number; ino: number } | null = null;
  private checkpointer: CheckpointThread | null = null;
  private stopping: Promise<void> = Promise.resolve();
  private queue: AuditRecord[] = [];
  /** Signed checkpoints, written after the records queued before them, in the same transaction. */
  private checkpoints: Checkpoint[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private failures = 0;
  private closed = false;
  private dropReported = false;
  private readonly flushMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly busyTimeoutMs: number;
  private readonly maxRetryMs: number;

  /** Opens (creating if missing) the database now, so a bad path or newer schema fails at start-up, not per request. */
  constructor(
    dataDir: string,
    private readonly opts: SqliteAuditSinkOptions,
  ) {
    super(opts.onError);
    this.flushMs = opts.flushMs ?? 20;
    this.batchSize = opts.batchSize ?? 256;
    this.maxBuffered = opts.maxBuffered ?? 10_000;
    this.busyTimeoutMs = opts.busyTimeoutMs ?? 100;
    this.maxRetryMs = opts.maxRetryMs ?? 1_000;
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.file = join(dataDir, AUDIT_DB_NAME);
    try {
      this.open();
    } catch (err) {
      if (err instanceof AuditSchemaError) throw err; // already names the file and what to do
      // At start-up: say which file and why, not a stack trace.
      throw new SluiceError(ErrorCode.AUDIT_UNAVAILABLE, `cannot open the audit database ${this.file}: ${errorText(err)}`, {
        file: this.file,
        cause: (err as { code?: unknown } | null)?.code,
      });
    }
  }

  /** Records queued or awaiting retry. */
  get pending(): number {
    return this.queue.length;
  }

  write(record: AuditRecord): void {
    try {
      if (this.closed) {
        this._dropped++;
        this.report(new Error(`audit record ${record.decision_id} written after the sqlite audit sink closed; dropped`));
        return;
      }
      this.queue.push(record);
      if (this.queue.length > this.maxBuffered) {
        const n = this.queue.length - this.maxBuffered;
        this.queue.splice(0, n);
        this._dropped += n;
        // Loud once per outage, then every 1 000 drops: not a log line per request.
        if (!this.dropReported || this._dropped % 1000 < n) {
          this.dropReported = true;
          this.report(
            new Error(
              `audit buffer full (${this.maxBuffered} records) while ${this.file} cannot be written; dropping the oldest (${this._dropped} dropped in all)`,
            ),
          );
        }
      }
      // A full batch is flushed on the next turn of the event loop, not inside this
      // request's write. While unhealthy, retries keep their backoff: a lock wait per
      // record would stall the gate.
      if (!this._healthy) this.schedule(this.retryDelay());
      else if (this.queue.length >= this.batchSize) this.flushSoon();
      else this.schedule(this.flushMs);
    } catch (err) {
      this.report(err);
    }
  }

  /**
   * Write everything queued in one transaction, now. Never throws: a failure marks
   * the sink unhealthy, keeps the records and schedules a retry.
   */
  flush(): void {
    this.cancelTimers();
    if (this.queue.length === 0 && this.checkpoints.length === 0 && this._healthy) return;
    let committed = false;
    try {
      const { db, insert } = this.ready();
      const batch = this.queue;
      const cps = this.checkpoints;
      db.transaction(() => {
        // Spread, not an array: better-sqlite3 reads an array's elements one property lookup at a time.
        for (const r of batch) insert.run(...recordToRow(r));
        if (cps.length > 0) {
          const put = db.prepare(INSERT_CHECKPOINT_SQL);
          for (const c of cps) put.run(c.chain_id, c.seq, c.hash, c.time, c.kind, c.key_id, c.sig);
        }
      })();
      this.queue = [];
      this.checkpoints = [];
      this._written += batch.length;
      this.markHealthy();
      committed = batch.length > 0;
    } catch (err) {
      this.markFailed(err);
    }
    if (committed) this.opts.onCommit?.();
  }

  /** Queue a signed checkpoint of the hash chain; written with the next batch. */
  checkpoint(c: Checkpoint): void {
    if (this.closed) return;
    // Bounded like the records: a checkpoint lost is coverage lost, never a false break.
    if (this.checkpoints.length >= 1_000) this.checkpoints.shift();
    this.checkpoints.push(c);
    if (this._healthy) this.schedule(this.flushMs);
  }

  /** Flush what is queued and close the database. Records that still cannot be written are reported and dropped. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.flush();
    this.closed = true;
    if (this.queue.length > 0) {
      this._dropped += this.queue.length;
      this.report(new Error(`closing the sqlite audit sink with ${this.queue.length} records that could not be written to ${this.file}; they are lost`));
      this.queue = [];
    }
    this.closeDb();
    return this.stopping;
  }

  private open(): void {
    // Created 0600 by SQLite itself, before WAL mode creates -wal/-shm with the same mode.
    const db = openPrivateSqlite(this.file);
    try {
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.busyTimeoutMs))}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      ensureSchema(db, this.file);
      this.insert = db.prepare(INSERT_SQL);
      const st = statSync(this.file);
      this.identity = { dev: st.dev, ino: st.ino };
      // Records name agents, hosts and paths: readable by the gate's user only (SQLite gives -wal/-shm the same mode).
      if ((st.mode & 0o077) !== 0) chmodSync(this.file, 0o600);
      this.db = db;
      this.startCheckpointer(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** The open connection, reopened after a hard failure; throws if the file was removed or replaced under it. */
  private ready(): { db: Database.Database; insert: Database.Statement } {
    if (this.db && this.identity) {
      // An unlinked file still accepts writes through the open handle, into a file nobody can read. Check.
      const st = existsSync(this.file) ? statSync(this.file) : null;
      if (!st || st.dev !== this.identity.dev || st.ino !== this.identity.ino) {
        this.closeDb();
        throw new Error(`${this.file} was removed or replaced while the gate was writing it`);
      }
    }
    if (!this.db) this.open();
    if (!this.db || !this.insert) throw new Error(`${this.file} is not open`);
    return { db: this.db, insert: this.insert };
  }

  private markHealthy(): void {
    this.failures = 0;
    this.dropReported = false;
    if (this._healthy) return;
    this._healthy = true;
    this._lastError = null;
    try {
      this.opts.onRecover?.();
    } catch {
      // a callback's mistake must not reach the request path
    }
  }

  private markFailed(err: unknown): void {
    this.failures++;
    this._healthy = false;
    this._lastError = `cannot write audit records to ${this.file}: ${errorText(err)}`;
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code !== 'string' || !TRANSIENT.has(code)) this.closeDb();
    this.report(new Error(`${this._lastError} (${this.queue.length} records kept for retry, attempt ${this.failures})`, { cause: err }));
    if (!this.closed) this.schedule(this.retryDelay());
  }

  private retryDelay(): number {
    return Math.min(this.maxRetryMs, this.flushMs * 2 ** Math.min(this.failures, 16));
  }

  private schedule(ms: number): void {
    if (this.timer || this.immediate || this.closed) return;
    this.timer = setTimeout(() => this.flush(), ms);
    this.timer.unref();
  }

  private flushSoon(): void {
    if (this.immediate || this.closed) return;
    this.immediate = setImmediate(() => this.flush());
    this.immediate.unref();
  }

  private cancelTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private startCheckpointer(db: Database.Database): void {
    const ms = this.opts.checkpointMs ?? 250;
    if (ms <= 0) return;
    const thread = startCheckpointThread(this.file, ms, {
      onError: (err) => this.report(err),
      onGone: () => {
        if (this.checkpointer !== thread) return;
        this.checkpointer = null;
        try {
          this.db?.pragma('wal_autocheckpoint = 1000');
        } catch {
          // the writer is broken too; reopening restores the default
        }
      },
    });
    db.pragma('wal_autocheckpoint = 0');
    this.checkpointer = thread;
  }

  private closeDb(): void {
    const thread = this.checkpointer;
    this.checkpointer = null;
    this.stopping = thread?.stop() ?? Promise.resolve();
    const db = this.db;
    this.db = null;
    this.insert = null;
    this.identity = null;
    try {
      db?.close();
    } catch {
      // closing a broken handle can fail too; it is gone either way
    }
  }
}
