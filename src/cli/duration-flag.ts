/**
 * A duration typed on the command line (`--ttl 90m`, `--wait 10s`): its milliseconds
 * and the text as typed, so every message echoes "90m" as the operator wrote it,
 * never "5400s" or "1h30m".
 */
import { formatDuration, parseDuration } from '../config/duration.js';
import { MAX_TTL_MS, MIN_TTL_MS } from '../identity/token-format.js';
import { UsageError } from '../usage-error.js';

export interface DurationFlag {
  ms: number;
  /** As typed (trimmed). */
  text: string;
}

/**
 * @example
 * durationFlag('--wait', '90s'); // { ms: 90000, text: '90s' }
 * durationFlag('--wait', '30');  // throws UsageError: --wait: '30' has no unit; write 30ms or 30s ...
 */
export function durationFlag(flag: string, text: string): DurationFlag {
  try {
    return { ms: parseDuration(text), text: text.trim() };
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/**
 * A token lifetime: checked here against the limits every token has, so the refusal
 * names the lifetime as typed (the gate's own check can only say milliseconds).
 *
 * @example
 * ttlFlag('25h'); // throws UsageError: --ttl: 25h is longer than the 24h maximum; ...
 */
export function ttlFlag(text: string): DurationFlag {
  const d = durationFlag('--ttl', text);
  if (d.ms > MAX_TTL_MS) {
    throw new UsageError(
      `--ttl: ${d.text} is longer than the ${formatDuration(MAX_TTL_MS)} maximum; issue a shorter-lived token and mint a new one when it expires`,
    );
  }
  if (d.ms < MIN_TTL_MS) throw new UsageError(`--ttl: ${d.text} is shorter than the ${formatDuration(MIN_TTL_MS)} minimum`);
  return d;
}
