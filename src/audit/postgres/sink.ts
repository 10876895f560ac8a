/**
 * The shared audit trail's writer (`state.backend: postgres`): records go to one
 * PostgreSQL table for every replica, in batches (one multi-row INSERT each, in the
 * order the gate finished them, one batch in flight at a time), keyed by decision id
 * with `ON CONFLICT DO NOTHING`, so a batch retried or a journal replayed after a
 * crash never writes a record twice.
 *
 * The sink sits behind the write-ahead journal (journal.ts) like the SQLite sink: a
 * record is in the journal on local disk before it is handed here, and the journal
 * keeps its segment until this sink counts the record acknowledged by PostgreSQL
 * (`written`). So while PostgreSQL is unreachable the records are spooled: on disk in
 * the journal (what a restart, or a `kill -9`, replays) and here in memory, in order,
 * up to `spoolMaxBytes`, replayed as soon as PostgreSQL answers again.
 *
 * Health, for `audit.fail_closed`: unhealthy from the first failed batch until one
 * succeeds, and while the spool is full. Past the bound, new records are not held
 * here (counted `dropped`, loudly): they stay in the journal, which a sink that
 * dropped records keeps for the next start to replay.
 */
import type pg from 'pg';
import type { Checkpoint } from '../checkpoint-sign.js';
import type { AuditRecord } from '../fields.js';
import { errorText, SinkHealth } from '../health.js';
import type { AuditSink, CountingSink } from '../sink.js';
import { migrate } from '../../state/postgres/migrate.js';
import { insertSql, insertValues, PG_INSERT_COLUMNS, PG_MAX_PARAMS } from './schema.js';

export interface PostgresAuditSinkOptions {
  /** The pool to write with (its search_path is the namespace); the sink ends it at close when `ownsPool`. */
  pool: pg.Pool;
  ownsPool?: boolean;
  /** The namespace (schema): the sink brings it up to date (migrations) before its first insert. */
  namespace: string;
  /** The replica's name in the `writer` column (writer-id.ts). */
  writer: string;
  /** Records waiting for PostgreSQL, in bytes of JSON, before the audit is unhealthy and new ones are left to the journal (`audit.spool_max`). */
  spoolMaxBytes: number;
  /** Every failure (loud: the caller logs it at error). Never throws into the request path. */
  onError: (err: Error) => void;
  /** PostgreSQL took records again after failing. */
  onRecover?: () => void;
  /** Records per INSERT (default 500). */
  batchSize?: number;
  /** How long a record waits for others to share its INSERT (default 20 ms). */
  flushMs?: number;
  /** First retry after a failed batch (default 200 ms), doubling up to `maxRetryMs` (default 2 000 ms). */
  retryMs?: number;
  maxRetryMs?: number;
  /** How long `close` keeps trying to write what is spooled (default 5 000 ms); the rest stays in the journal. */
  closeTimeoutMs?: number;
}

interface Pending {
  readonly values: (string | null)[];
  readonly bytes: number;
  /** A signed checkpoint of the hash chain instead of a record: inserted after the records queued before it. */
  readonly checkpoint?: Checkpoint;
}

const CHECKPOINT_SQL =
  'INSERT INTO audit_checkpoints (chain_id, seq, hash, time, kind, key_id, sig) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING';

/**
 * @example
 * const sink = new PostgresAuditSink({ pool, namespace: 'prod', writer: writerId(dataDir), spoolMaxBytes: 256 * 2 ** 20, onError });
 * trail = new AuditTrail(journal, new MultiSink([sink], onError));
 */
export class PostgresAuditSink extends SinkHealth implements AuditSink, CountingSink {
  /** Records not yet acknowledged, oldest first, from `head` on. */
  private queue: Pending[] = [];
  private head = 0;
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private migrated = false;
  private failing: string | null = null;
  private full = false;
  private retryIn: number;
  private closing = false;
  private closed: Promise<void> | null = null;
  private readonly batchSize: number;
  private readonly flushMs: number;

  constructor(private readonly opts: PostgresAuditSinkOptions) {
    super(opts.onError);
    this.flushMs = opts.flushMs ?? 20;
    this.batchSize = Math.max(1, Math.min(opts.batchSize ?? 500, Math.floor(PG_MAX_PARAMS / PG_INSERT_COLUMNS.length)));
    this.retryIn = opts.retryMs ?? 200;
  }

  /** Records waiting for PostgreSQL (spooled while it is unreachable). */
  get pending(): number {
    return this.queue.length - this.head;
  }
  /** Their size in bytes of JSON (what `spoolMaxBytes` bounds). */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  write(record: AuditRecord, json?: string): void {
    try {
      if (this.closing) {
        this._dropped++;
        this.report(new Error(`audit record ${record.decision_id} written after the PostgreSQL audit sink closed; it stays in the journal for the next start`));
        return;
      }
      const text = json ?? JSON.stringify(record);
      const bytes = text.length;
      if (this.queuedBytes + bytes > this.opts.spoolMaxBytes) {
        this._dropped++;
        if (!this.full) {
          this.full = true;
          this.setHealth();
          this.report(new Error(`${this._lastError}; new records stay in the audit journal on disk until the next start replays them`));
        }
        return;
      }
      this.queue.push({ values: insertValues(record, text, this.opts.writer), bytes });
      this.queuedBytes += bytes;
      this.drainSoon(this.pending >= this.batchSize ? 0 : this.flushMs);
    } catch (err) {
      this.report(err);
    }
  }

  /** A signed checkpoint (chain.ts): queued behind the records before it, so it never names a record the trail lacks. */
  checkpoint(c: Checkpoint): void {
    try {
      if (this.closing) return;
      this.queue.push({ values: [], bytes: 0, checkpoint: c });
      this.drainSoon(this.flushMs);
    } catch (err) {
      this.report(err);
    }
  }

  /** A drain in `ms`, unless one is running or due. */
  private drainSoon(ms: number): void {
    if (this.busy || this.timer !== null) return;
    this.timer = setTimeout(() => void this.drain(), ms);
    this.timer.unref();
  }

  /** Write what is spooled (for up to `closeTimeoutMs`), then end the pool if it is ours. What is left stays in the journal. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const until = Date.now() + (this.opts.closeTimeoutMs ?? 5_000);
    while (this.pending > 0 && Date.now() < until) {
      if (this.busy) await new Promise((r) => setTimeout(r, 10));
      else if (!(await this.drain())) await new Promise((r) => setTimeout(r, Math.min(this.retryIn, Math.max(0, until - Date.now()))));
    }
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    if (this.pending > 0) {
      this.report(
        new Error(
          `closing with ${this.pending} audit records not acknowledged by PostgreSQL (${this.failing ?? 'timed out'}); they stay in the audit journal and the next start writes them`,
        ),
      );
    }
    if (this.opts.ownsPool) await this.opts.pool.end().catch(() => undefined);
  }

  /** Insert batches until the spool is empty; false when one failed (a retry is scheduled unless closing). */
  private async drain(): Promise<boolean> {
    this.timer = null;
    if (this.busy) return true;
    this.busy = true;
    try {
      while (this.pending > 0) {
        if (!this.migrated) {
          await migrate(this.opts.pool, this.opts.namespace);
          this.migrated = true;
        }
        const cp = this.queue[this.head]!.checkpoint;
        if (cp !== undefined) {
          await this.opts.pool.query(CHECKPOINT_SQL, [cp.chain_id, cp.seq, cp.hash, cp.time, cp.kind, cp.key_id, cp.sig]);
          this.head++;
          if (this.failing !== null) this.recovered();
          continue;
        }
        // Records up to the next checkpoint, at most a batch.
        let n = 0;
        while (n < this.batchSize && this.head + n < this.queue.length && this.queue[this.head + n]!.checkpoint === undefined) n++;
        const batch = this.queue.slice(this.head, this.head + n);
        await this.opts.pool.query(
          insertSql(n),
          batch.flatMap((p) => p.values),
        );
        this.take(batch);
        if (this.failing !== null) this.recovered();
      }
      return true;
    } catch (err) {
      this.failing = errorText(err);
      this.setHealth();
      this.report(new Error(this._lastError ?? this.failing));
      if (!this.closing) {
        this.timer = setTimeout(() => void this.drain(), this.retryIn);
        this.timer.unref();
      }
      this.retryIn = Math.min(this.retryIn * 2, this.opts.maxRetryMs ?? 2_000);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** `batch` is acknowledged: off the spool, counted written (the journal may let its segment go). */
  private take(batch: readonly Pending[]): void {
    this.head += batch.length;
    for (const p of batch) this.queuedBytes -= p.bytes;
    this._written += batch.length;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.full && this.queuedBytes < this.opts.spoolMaxBytes) {
      this.full = false;
      this.setHealth();
    }
  }

  private recovered(): void {
    this.failing = null;
    this.retryIn = this.opts.retryMs ?? 200;
    this.setHealth();
    try {
      this.opts.onRecover?.();
    } catch {
      // a callback's mistake must not reach the request path
    }
  }

  private setHealth(): void {
    const spool = `${this.pending} records (${this.queuedBytes} bytes) spooled for PostgreSQL, audit.spool_max ${this.opts.spoolMaxBytes}`;
    if (this.full) this._lastError = `the audit spool is full: ${spool}`;
    else if (this.failing !== null) this._lastError = `the PostgreSQL audit trail cannot be written: ${this.failing} (${spool})`;
    else this._lastError = null;
    this._healthy = this._lastError === null;
  }
}
