/**
 * Audit records as JSON lines (the record object only, one per line) to stdout or
 * a file, for shipping to a log pipeline. Writes are asynchronous; a write error,
 * or a backlog past `maxBacklogBytes` (a reader that stopped reading), marks the
 * sink unhealthy and drops records (counted) until writes succeed again.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { AuditRecord } from './fields.js';
import { errorText, SinkHealth } from './health.js';
import type { AuditSink } from './sink.js';

export interface JsonlAuditSinkOptions {
  /** Called on every write error and on each newly dropped run of records. */
  onError: (err: Error) => void;
  /** Most bytes waiting to be written before records are dropped (default 16 MiB). */
  maxBacklogBytes?: number;
  /** Least time between attempts to reopen a file after an error (default 1 000 ms). */
  reopenMs?: number;
}

/**
 * @example
 * const sink = new JsonlAuditSink('stdout', { onError: (err) => logger.error({ err }, 'AUDIT WRITE FAILED') });
 * const file = new JsonlAuditSink('/var/log/sluice/audit.jsonl', { onError });
 * file.write(record); // {"decision_id":"019a...","time":"...",...}\n
 */
export class JsonlAuditSink extends SinkHealth implements AuditSink {
  private stream: Writable | null = null;
  private dropping = false;
  private lastOpen = 0;
  private closed = false;
  private readonly maxBacklog: number;
  private readonly onStdoutError = (err: Error): void => this.fail(err);

  /** `target` is `'stdout'` or a file path (appended to, created mode 0600 if missing). */
  constructor(
    readonly target: string,
    private readonly opts: JsonlAuditSinkOptions,
  ) {
    super(opts.onError);
    this.maxBacklog = opts.maxBacklogBytes ?? 16 * 1024 * 1024;
    this.stream = this.open();
  }

  write(record: AuditRecord, json?: string): void {
    try {
      const s = this.writable();
      if (!s) return this.drop('the audit stream is not writable');
      if (s.writableLength > this.maxBacklog) {
        this._healthy = false;
        this._lastError = `audit output ${this.target} is not keeping up (${s.writableLength} bytes waiting)`;
        return this.drop(this._lastError);
      }
      s.write(`${json ?? JSON.stringify(record)}\n`, (err) => {
        if (err) {
          this._dropped++;
          this.fail(err);
        } else {
          this._written++;
          if (s.writableLength <= this.maxBacklog) this.ok();
        }
      });
    } catch (err) {
      this.fail(err);
    }
  }

  /** Wait for queued lines to be written; close the file (stdout stays open). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const s = this.stream;
    this.stream = null;
    if (!s) return Promise.resolve();
    if (s === process.stdout) {
      return new Promise((resolve) => {
        s.write('', () => {
          s.off('error', this.onStdoutError);
          resolve();
        });
      });
    }
    return new Promise((resolve) => {
      if (s.destroyed) return resolve();
      s.end(() => resolve());
      s.once('error', () => resolve());
    });
  }

  private open(): Writable {
    this.lastOpen = Date.now();
    if (this.target === 'stdout') {
      // Without a listener an EPIPE on stdout would be thrown from the event loop.
      process.stdout.on('error', this.onStdoutError);
      return process.stdout;
    }
    const s = createWriteStream(this.target, { flags: 'a', mode: 0o600 });
    s.on('error', (err) => this.fail(err));
    return s;
  }

  /** The stream, reopened (at most every `reopenMs`) if a file stream broke. */
  private writable(): Writable | null {
    if (this.closed) return null;
    const s = this.stream;
    if (s && !s.destroyed && !s.writableEnded) return s;
    if (this.target === 'stdout' || Date.now() - this.lastOpen < (this.opts.reopenMs ?? 1_000)) return null;
    this.stream = this.open();
    return this.stream;
  }

  private ok(): void {
    this.dropping = false;
    this._healthy = true;
    this._lastError = null;
  }

  private fail(err: unknown): void {
    const msg = `cannot write audit records to ${this.target}: ${errorText(err)}`;
    // A stream error arrives both as 'error' and in each pending write's callback: report it once.
    if (!this._healthy && this._lastError === msg) return;
    this._healthy = false;
    this._lastError = msg;
    this.report(new Error(msg, { cause: err }));
  }

  private drop(why: string): void {
    this._dropped++;
    if (this.closed) return this.report(new Error(`audit record written after the JSONL audit sink closed; dropped`));
    this._healthy = false;
    this._lastError ??= why;
    if (!this.dropping) {
      this.dropping = true;
      this.report(new Error(`dropping audit records: ${why} (${this._dropped} dropped in all)`));
    }
  }
}
