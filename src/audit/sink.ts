import type { Logger } from 'pino';
import type { AuditRecord } from './fields.js';
import { isHealthReporter } from './health.js';
import type { HealthReporter } from './health.js';
import type { Checkpoint } from './checkpoint-sign.js';

/** Where audit records go. A sink must never throw into the request path. */
export interface AuditSink {
  /** `json`, when given, is `JSON.stringify(record)` already made (the trail serialises each record once). */
  write(record: AuditRecord, json?: string): void;
  close?(): Promise<void>;
  /** Put a decision on record before anything leaves (trail.ts); false when it could not be. */
  begin?(record: AuditRecord): boolean;
  /** As `begin`, batched with the other decisions of this turn of the event loop; nothing may leave before it resolves true. */
  beginSoon?(record: AuditRecord): Promise<boolean> | boolean;
  /** Resolves when what `begin` wrote is on disk, where that is asked for; null when there is nothing to wait for. */
  synced?(): Promise<void> | null;
  /** Store a signed checkpoint of the hash chain (chain.ts), where the sink keeps them. */
  checkpoint?(c: Checkpoint): void;
}

/** A sink that counts what reached its storage, so the journal knows what it may delete. */
export interface CountingSink {
  /** Records committed since the sink was made. */
  readonly written: number;
  /** Records it could not write and gave up on. */
  readonly dropped: number;
}

function isCounting(x: unknown): x is CountingSink {
  return typeof (x as CountingSink).written === 'number' && typeof (x as CountingSink).dropped === 'number';
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

/**
 * Fan out to several sinks; one failing sink does not stop the others. Healthy
 * when every sink that reports health is healthy (sinks that do not, count as healthy).
 *
 * @example
 * const audit = new MultiSink([new LogAuditSink(logger), sqliteSink], (err) => logger.error({ err }, 'audit sink failed'));
 * if (config.audit.fail_closed && !audit.healthy) refuse(503, 'audit_unavailable');
 */
export class MultiSink implements AuditSink, HealthReporter {
  constructor(
    private readonly sinks: readonly AuditSink[],
    private readonly onError: (err: unknown) => void,
  ) {}
  get healthy(): boolean {
    return this.sinks.every((s) => !isHealthReporter(s) || s.healthy);
  }
  /** The first unhealthy sink's error, or null. */
  get lastError(): string | null {
    for (const s of this.sinks) if (isHealthReporter(s) && !s.healthy) return s.lastError ?? 'audit sink unhealthy';
    return null;
  }
  /** The slowest counting sink's committed records and every sink's drops; null when none counts. */
  progress(): { written: number; dropped: number } | null {
    let written = Infinity;
    let dropped = 0;
    for (const s of this.sinks) {
      if (!isCounting(s)) continue;
      written = Math.min(written, s.written);
      dropped += s.dropped;
    }
    return written === Infinity ? null : { written, dropped };
  }
  /** Records handed to a sink and not yet in its storage (the sinks that say: `pending`); metrics' audit backlog. */
  get pending(): number {
    let n = 0;
    for (const s of this.sinks) n += pendingOf(s);
    return n;
  }
  write(record: AuditRecord, json?: string): void {
    for (const s of this.sinks) {
      try {
        s.write(record, json);
      } catch (err) {
        this.onError(err);
      }
    }
  }
  checkpoint(c: Checkpoint): void {
    for (const s of this.sinks) {
      try {
        s.checkpoint?.(c);
      } catch (err) {
        this.onError(err);
      }
    }
  }
  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => (s.close ? s.close() : Promise.resolve())));
  }
}

/**
 * What a sink holds that is not yet written: its `pending` count when it keeps one (the
 * SQLite writer thread's queue, a trail's sinks), else 0.
 *
 * @example
 * pendingOf(trail); // 12
 */
export function pendingOf(sink: unknown): number {
  const n = (sink as { pending?: unknown } | null)?.pending;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}
