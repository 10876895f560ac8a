/**
 * The SQLite audit trail written from a worker thread. The gate's event loop only
 * queues records and, every `flushMs` or `batchSize` records, serialises a batch (one
 * JSON string) and posts it; the inserts, their fsyncs and the WAL checkpoints run in
 * sqlite-writer-worker.ts, which owns a SqliteAuditSink and commits the batches of
 * `commitMs` in one transaction. In profiles of the gate under load the inserts were
 * 7-13 % of the event loop's busy time.
 *
 * Health is the worker's, reported after every batch, commit, failure and recovery, so
 * fail-closed behaves as with SqliteAuditSink: a failed write makes the sink unhealthy
 * at the commit that failed, and records are kept for retry (bounded) in the thread.
 *
 * Records are never dropped for speed: when the thread holds `maxBuffered` records it
 * has not taken yet (the gate outruns the disk), posting blocks the event loop until it
 * catches up, as the synchronous sink would have. A thread that takes nothing for
 * `stallMs` is stalled: unhealthy and loud, records wait here (bounded, oldest
 * dropped and counted). A thread that dies is restarted; what it had not committed is
 * posted again to the next one.
 */
import { Worker } from 'node:worker_threads';
import type { AuditRecord } from './fields.js';
import { errorText } from './health.js';
import type { HealthReporter } from './health.js';
import type { AuditSink } from './sink.js';
import type { Checkpoint } from './checkpoint-sign.js';
import { SqliteAuditSink, type SqliteAuditSinkOptions } from './sqlite-sink.js';

/** What the writer thread is started with. */
export interface WriterJob {
  dataDir: string;
  /**
   * For the thread's SqliteAuditSink: its `flushMs` is the sink's `commitMs`, its
   * `batchSize` the records at which a transaction is committed at once (at most
   * maxBuffered less one batch).
   */
  options: Pick<SqliteAuditSinkOptions, 'flushMs' | 'batchSize' | 'maxBuffered' | 'busyTimeoutMs' | 'maxRetryMs'>;
  /** `audit.retain` in ms: the thread prunes older records after start and hourly (retention.ts). */
  retainMs?: number;
  /** Int32 [0]: records taken so far (wrapping), bumped and notified by the thread after each batch. */
  taken: SharedArrayBuffer;
}

/** Gate to writer. */
export type ToWriter = { type: 'batch'; json: string } | { type: 'checkpoint'; checkpoint: Checkpoint } | { type: 'close' };

/** Writer to gate: after each batch, failure, recovery and at close. */
export interface WriterStatus {
  type: 'status';
  healthy: boolean;
  lastError: string | null;
  written: number;
  dropped: number;
  pending: number;
}

type FromWriter = WriterStatus | { type: 'ready' } | { type: 'error'; message: string } | { type: 'recovered' } | { type: 'note'; message: string };

export interface ThreadedSqliteAuditSinkOptions extends SqliteAuditSinkOptions {
  /**
   * The writer thread gathers the batches posted within this long into one transaction
   * (default 100 ms, never less than `flushMs`), or fewer when 2 048 records are waiting.
   * Records are in the journal until committed, so this delays readers, not durability.
   */
  commitMs?: number;
  /** How long posting may block waiting for a backlogged thread before it counts as stalled (default 2 000 ms). */
  stallMs?: number;
  /** `audit.retain` in ms: prune older records from the writer thread (retention.ts). */
  retainMs?: number;
  /** What the thread reports that is not a failure (a retention pass). */
  onNote?: (message: string) => void;
}

/** Delay before a writer thread that died is started again. */
const RESTART_MS = 1_000;
/** Records in one transaction of the writer thread at most (bounded by maxBuffered too). */
const COMMIT_RECORDS = 2_048;
const HEALTHY: WriterStatus = { type: 'status', healthy: true, lastError: null, written: 0, dropped: 0, pending: 0 };

/**
 * @example
 * const sink = new ThreadedSqliteAuditSink(config.data_dir, { onError: (err) => logger.error({ err }, 'AUDIT WRITE FAILED') });
 * sink.write(record);     // queued; posted to the writer thread within ~20 ms
 * if (!sink.healthy) ...  // fail closed
 * await sink.close();     // everything queued is written (or reported lost)
 */
export class ThreadedSqliteAuditSink implements AuditSink, HealthReporter {
  /** Absolute path of the database file. */
  readonly file: string;
  private worker: Worker | null = null;
  /** Records as JSON texts (the trail serialises each record once, for the journal and for here). */
  private queue: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private taken = new Int32Array(new SharedArrayBuffer(4));
  /** Records posted to the current thread (wrapping like `taken`). */
  private posted = 0;
  /**
   * Batches posted to the current thread and not yet reported written (or dropped) by
   * it, with the thread's running count at each batch's end: a thread that dies hands
   * them back to the queue instead of losing them (a record written twice is ignored
   * by its primary key). Kept as UTF-8 bytes outside the JavaScript heap: the thread
   * commits every ~100 ms, and strings held that long were copied into the old
   * generation by every scavenge (about 6 MB/s at 5,000 records/s, and the full
   * collections that follow) for a copy needed only when a thread dies.
   */
  private unconfirmed: { end: number; batch: Buffer }[] = [];
  private postedTotal = 0;
  private closing: Promise<void> | null = null;
  private status: WriterStatus = HEALTHY;
  /** Written and dropped by threads that have exited (a restarted thread counts from 0). */
  private earlier = { written: 0, dropped: 0 };
  private threadError: string | null = null;
  private stalled = false;
  private localDropped = 0;
  private dropReported = false;
  private readonly flushMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly stallMs: number;

  /**
   * Opens and checks the database on this thread first (creating it if missing), so a
   * bad path or a newer schema fails at start-up, as with SqliteAuditSink; then starts
   * the writer thread.
   */
  constructor(
    private readonly dataDir: string,
    private readonly opts: ThreadedSqliteAuditSinkOptions,
  ) {
    this.flushMs = opts.flushMs ?? 20;
    this.batchSize = opts.batchSize ?? 256;
    this.maxBuffered = opts.maxBuffered ?? 10_000;
    this.stallMs = opts.stallMs ?? 2_000;
    const probe = new SqliteAuditSink(dataDir, { onError: () => undefined, checkpointMs: 0, busyTimeoutMs: opts.busyTimeoutMs });
    this.file = probe.file;
    void probe.close();
    this.start();
  }

  get healthy(): boolean {
    return this.threadError === null && !this.stalled && this.status.healthy;
  }
  get lastError(): string | null {
    if (this.threadError !== null) return this.threadError;
    if (this.stalled) return `the audit writer thread for ${this.file} has taken no records for ${this.stallMs} ms (${this.inflight()} waiting)`;
    return this.status.lastError;
  }
  /** Records dropped (buffer full while the database could not be written, a thread that died with them, or written after close). */
  get dropped(): number {
    return this.earlier.dropped + this.status.dropped + this.localDropped;
  }
  /** Records committed to the database. */
  get written(): number {
    return this.earlier.written + this.status.written;
  }
  /** Records queued here, posted, or awaiting retry in the thread. */
  get pending(): number {
    return this.queue.length + this.inflight() + this.status.pending;
  }

  write(record: AuditRecord, json?: string): void {
    try {
      if (this.closing) {
        this.localDropped++;
        this.report(new Error(`audit record ${record.decision_id} written after the sqlite audit sink closed; dropped`));
        return;
      }
      this.queue.push(json ?? JSON.stringify(record));
      if (this.queue.length >= this.batchSize) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.flushMs).unref();
    } catch (err) {
      this.report(err);
    }
  }

  /**
   * A signed checkpoint of the hash chain: posted after the records queued before it.
   * Not kept across a thread's death (a checkpoint lost is coverage lost, not a break).
   */
  checkpoint(c: Checkpoint): void {
    if (this.closing) return;
    this.flush();
    this.worker?.postMessage({ type: 'checkpoint', checkpoint: c } satisfies ToWriter);
  }

  /** Post what is queued to the writer thread now, in batches (it is written there, not here). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const w = this.worker;
    while (w && this.queue.length > 0 && this.room()) {
      const batch = this.queue.length <= this.batchSize ? this.queue : this.queue.slice(0, this.batchSize);
      this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
      this.posted = (this.posted + batch.length) | 0;
      this.postedTotal += batch.length;
      const json = `[${batch.join(',')}]`;
      this.unconfirmed.push({ end: this.postedTotal, batch: Buffer.from(json, 'utf8') });
      w.postMessage({ type: 'batch', json } satisfies ToWriter);
    }
    if (this.queue.length === 0) return;
    // No thread, or a stalled one: keep (bounded) and try again later.
    this.bound();
    if (!this.closing) this.timer = setTimeout(() => this.flush(), Math.max(this.flushMs, 100)).unref();
  }

  /** Post what is queued, let the thread write it and close the database; resolves when the thread has exited. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    // A thread that is starting again after dying takes the last records.
    try {
      if (!this.worker) this.start();
    } catch (err) {
      this.report(err);
    }
    const w = this.worker;
    if (w) {
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.ref();
      this.stalled = false;
      this.flush();
      if (this.worker === w) w.postMessage({ type: 'close' } satisfies ToWriter);
      await exited;
    }
    this.loseQueued('closing without a writer thread to take them');
  }

  private inflight(): number {
    return (this.posted - Atomics.load(this.taken, 0)) | 0;
  }

  /**
   * Whether another batch may be posted. A thread holding maxBuffered untaken records
   * is waited for (the event loop blocks, as a synchronous insert would) up to stallMs;
   * then it is stalled and nothing more is posted until it takes something.
   */
  private room(): boolean {
    if (this.inflight() < this.maxBuffered) {
      this.stalled = false;
      return true;
    }
    if (this.stalled) return false;
    const until = Date.now() + this.stallMs;
    for (let now = Date.now(); now < until; now = Date.now()) {
      const seen = Atomics.load(this.taken, 0);
      if (((this.posted - seen) | 0) < this.maxBuffered) return true;
      Atomics.wait(this.taken, 0, seen, until - now);
    }
    if (this.inflight() < this.maxBuffered) return true;
    this.stalled = true;
    this.report(new Error(`${this.lastError}; holding new records here`));
    return false;
  }

  private start(): void {
    this.taken = new Int32Array(new SharedArrayBuffer(4));
    this.posted = 0;
    this.postedTotal = 0;
    const commitRecords = Math.max(1, Math.min(COMMIT_RECORDS, this.maxBuffered - this.batchSize));
    const job: WriterJob = {
      dataDir: this.dataDir,
      options: {
        flushMs: Math.max(this.flushMs, this.opts.commitMs ?? 100),
        batchSize: commitRecords,
        maxBuffered: this.opts.maxBuffered,
        busyTimeoutMs: this.opts.busyTimeoutMs,
        maxRetryMs: this.opts.maxRetryMs,
      },
      taken: this.taken.buffer,
      retainMs: this.opts.retainMs,
    };
    const w = new Worker(new URL('./sqlite-writer-worker.js', import.meta.url), { workerData: job });
    this.worker = w;
    w.on('message', (m: FromWriter) => this.onMessage(m));
    w.on('error', (err) => this.onThreadGone(w, `the audit writer thread failed: ${errorText(err)}`));
    w.on('exit', (code) => this.onThreadGone(w, `the audit writer thread exited (code ${code})`));
    // Records are flushed at close(); an idle writer must not keep the process alive.
    w.unref();
  }

  private onMessage(m: FromWriter): void {
    switch (m.type) {
      case 'status': {
        this.status = m;
        const done = m.written + m.dropped;
        let n = 0;
        while (n < this.unconfirmed.length && this.unconfirmed[n]!.end <= done) n++;
        if (n > 0) this.unconfirmed.splice(0, n);
        // A stalled thread that took something: post what waited here.
        if (this.stalled && this.inflight() < this.maxBuffered) this.flush();
        break;
      }
      case 'error':
        this.report(new Error(m.message));
        break;
      case 'note':
        try {
          this.opts.onNote?.(m.message);
        } catch {
          // never into the request path
        }
        break;
      case 'recovered':
        this.recovered();
        break;
      case 'ready':
        if (this.threadError !== null) {
          this.threadError = null;
          this.recovered();
        }
        break;
    }
  }

  private recovered(): void {
    try {
      this.opts.onRecover?.();
    } catch {
      // a callback's mistake must not reach the request path
    }
  }

  private onThreadGone(w: Worker, why: string): void {
    if (this.worker !== w) return;
    this.worker = null;
    // What it had not reported written goes back to the head of the queue, for the next thread.
    const back = this.unconfirmed.flatMap((b) => (JSON.parse(b.batch.toString('utf8')) as unknown[]).map((r) => JSON.stringify(r)));
    this.unconfirmed = [];
    this.queue = back.length > 0 ? back.concat(this.queue) : this.queue;
    this.earlier.written += this.status.written;
    this.earlier.dropped += this.status.dropped;
    this.status = HEALTHY;
    this.stalled = false;
    if (this.closing) {
      this.loseQueued(`${why} while closing`);
      return;
    }
    this.threadError = `${why}; its ${back.length} unwritten audit records are kept for the next thread; restarting it`;
    this.report(new Error(this.threadError));
    this.bound();
    this.restartLater();
  }

  private restartLater(): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.closing) return;
      try {
        this.start();
        this.flush();
      } catch (err) {
        this.threadError = `the audit writer thread cannot start: ${errorText(err)}`;
        this.report(new Error(this.threadError));
        this.restartLater();
      }
    }, RESTART_MS).unref();
  }

  /** Keep at most maxBuffered records waiting here; drop (and count, loudly once per outage) the oldest. */
  private bound(): void {
    const over = this.queue.length - this.maxBuffered;
    if (over <= 0) {
      this.dropReported = false;
      return;
    }
    this.queue.splice(0, over);
    this.localDropped += over;
    if (!this.dropReported || this.localDropped % 1000 < over) {
      this.dropReported = true;
      this.report(
        new Error(
          `audit buffer full (${this.maxBuffered} records) while the writer thread for ${this.file} takes none; dropping the oldest (${this.dropped} dropped in all)`,
        ),
      );
    }
  }

  private loseQueued(why: string): void {
    if (this.queue.length === 0) return;
    this.localDropped += this.queue.length;
    this.report(new Error(`${why}: ${this.queue.length} audit records for ${this.file} are lost`));
    this.queue = [];
  }

  private report(err: unknown): void {
    try {
      this.opts.onError(err instanceof Error ? err : new Error(errorText(err)));
    } catch {
      // never into the request path
    }
  }
}
