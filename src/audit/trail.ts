/**
 * The audit trail the gate writes to: the journal (write-ahead, journal.ts) in front
 * of the sinks. `begin` puts a decision on record before anything leaves; `write` puts
 * the finished record in the journal, then hands it to the sinks.
 */
import type { AuditRecord } from './fields.js';
import type { HealthReporter } from './health.js';
import { isHealthReporter } from './health.js';
import type { AuditJournal } from './journal.js';
import type { AuditChain } from './chain.js';
import { pendingOf, type AuditSink } from './sink.js';

/** `audit.fail_closed`: which requests are refused while the trail cannot record them. */
export type FailClosed = 'all' | 'credentialed' | 'off';

/**
 * @example
 * const trail = new AuditTrail(journal, new MultiSink(sinks, onError));
 * if (!trail.begin(record)) refuse(503, 'audit_unavailable');
 * res.on('close', () => trail.write(finished));
 */
export class AuditTrail implements AuditSink, HealthReporter {
  constructor(
    readonly journal: AuditJournal | null,
    private readonly sinks: AuditSink,
    /** The hash chain (chain.ts) every record is linked into before the journal and the sinks see it. */
    readonly chain: AuditChain | null = null,
  ) {}

  get healthy(): boolean {
    return (this.journal?.healthy ?? true) && (!isHealthReporter(this.sinks) || this.sinks.healthy);
  }
  get lastError(): string | null {
    if (this.journal && !this.journal.healthy) return this.journal.lastError;
    return isHealthReporter(this.sinks) ? this.sinks.lastError : null;
  }

  /** The decision, on record (in the kernel) before the request is forwarded or answered. False when it could not be. */
  begin(record: AuditRecord): boolean {
    return this.journal ? this.journal.open(record) : true;
  }

  /**
   * As `begin`, written with the other decisions of this turn of the event loop in one
   * write (journal.ts `openSoon`): nothing may leave before it resolves true.
   */
  beginSoon(record: AuditRecord): Promise<boolean> | boolean {
    return this.journal ? this.journal.openSoon(record) : true;
  }

  /** With durability `machine`, wait on this before anything leaves; null otherwise. */
  synced(): Promise<void> | null {
    return this.journal?.synced() ?? null;
  }

  /** Records written here and not yet in the sinks' storage (sink.ts `pendingOf`). */
  get pending(): number {
    return pendingOf(this.sinks);
  }

  write(record: AuditRecord): void {
    this.chain?.link(record);
    const json = JSON.stringify(record);
    this.journal?.close(record.decision_id, json);
    this.sinks.write(record, json);
  }

  /** Close the sinks (they write what they hold), then delete the journal they have covered. */
  async close(): Promise<void> {
    this.chain?.stop();
    await this.sinks.close?.();
    this.journal?.shutdown();
  }
}
