/**
 * Audit health, for fail-closed: when the audit trail cannot be written, the gate
 * refuses requests it could not account for instead of serving them unrecorded.
 */

/** A sink that knows whether its records are reaching durable storage. */
export interface HealthReporter {
  /** False while records are not being written (failed flush, broken stream). */
  readonly healthy: boolean;
  /** Why the last write failed, for logs and the admin API; null once healthy again. */
  readonly lastError: string | null;
}

/**
 * True when `x` reports health (has a boolean `healthy`).
 *
 * @example
 * if (isHealthReporter(sink) && !sink.healthy) refuse(503, 'audit_unavailable');
 */
export function isHealthReporter(x: unknown): x is HealthReporter {
  return typeof x === 'object' && x !== null && typeof (x as { healthy?: unknown }).healthy === 'boolean';
}

/** A message for any thrown value, with its code when it has one (`SQLITE_BUSY: database is locked`). */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/**
 * The health and counts the JSONL and SQLite sinks keep alike, and the one way they
 * report a failure: to `onError`, which must never throw into the request path.
 *
 * @example
 * class MySink extends SinkHealth implements AuditSink {
 *   constructor(opts: { onError: (err: Error) => void }) { super(opts.onError); }
 * }
 */
export abstract class SinkHealth implements HealthReporter {
  protected _healthy = true;
  protected _lastError: string | null = null;
  protected _dropped = 0;
  protected _written = 0;

  constructor(private readonly onError: (err: Error) => void) {}

  get healthy(): boolean {
    return this._healthy;
  }
  get lastError(): string | null {
    return this._lastError;
  }
  /** Records dropped instead of written (why, per sink: its class comment), or written after close. */
  get dropped(): number {
    return this._dropped;
  }
  /** Records written: taken by the stream, or committed to the database. */
  get written(): number {
    return this._written;
  }

  protected report(err: unknown): void {
    try {
      this.onError(err instanceof Error ? err : new Error(errorText(err)));
    } catch {
      // never into the request path
    }
  }
}
