import type { Logger } from 'pino';

/**
 * A flood must be visible in the log without the log becoming the flood: the first
 * line of each kind at once, then one line per kind every 10 s with how many were
 * left out.
 */
export class RateLimitedLog {
  readonly #last = new Map<string, { at: number; suppressed: number }>();
  constructor(private readonly logger: Logger) {}

  warn(kind: string, why: string): void {
    const now = Date.now();
    const s = this.#last.get(kind);
    if (s && now - s.at < 10_000) {
      s.suppressed++;
      return;
    }
    this.#last.set(kind, { at: now, suppressed: 0 });
    this.logger.warn({ limit: kind, suppressed_since_last: s?.suppressed ?? 0 }, `overloaded: ${kind}: ${why}`);
  }
}
