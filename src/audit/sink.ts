import type { Logger } from 'pino';
import type { AuditRecord } from './fields.js';

/** Where audit records go. A sink must never throw into the request path. */
export interface AuditSink {
  write(record: AuditRecord): void;
  close?(): Promise<void>;
}

/**
 * JSON-lines audit through the gate's logger (one `audit` line per request).
 *
 * @example
 * const sink = new LogAuditSink(logger); sink.write(record);
 */
export class LogAuditSink implements AuditSink {
  constructor(private readonly logger: Logger) {}
  write(record: AuditRecord): void {
    this.logger.info({ audit: record }, 'audit');
  }
}

/** Keeps records in memory, bounded; for `sluice` embedders and tests that read what was written. */
export class MemoryAuditSink implements AuditSink {
  readonly records: AuditRecord[] = [];
  constructor(private readonly max = 10_000) {}
  write(record: AuditRecord): void {
    this.records.push(record);
    if (this.records.length > this.max) this.records.shift();
  }
}

/** Fan out to several sinks; one failing sink does not stop the others. */
export class MultiSink implements AuditSink {
  constructor(private readonly sinks: readonly AuditSink[], private readonly onError: (err: unknown) => void) {}
  write(record: AuditRecord): void {
    for (const s of this.sinks) {
      try {
        s.write(record);
      } catch (err) {
        this.onError(err);
      }
    }
  }
  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => (s.close ? s.close() : Promise.resolve())));
  }
}
