/**
 * Durations in the config: "500ms", "30s", "5m", "1h", combinations such as
 * "1m30s", or a plain number of milliseconds.
 */
import { describeValue } from './describe-value.js';

/** The longest delay a Node.js timer honours; a larger one fires at once, which would turn a long timeout into none. */
export const MAX_DURATION_MS = 2_147_483_647;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const EXPECTED = 'expected a duration like 500ms, 30s, 5m or 1h, or a number of milliseconds';
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/**
 * Parse a duration to whole milliseconds. Throws a TypeError (wrong shape) or a
 * RangeError (negative, fractional milliseconds, too long) whose message says
 * what was expected and what was given.
 *
 * @example
 * parseDuration('30s');   // 30000
 * parseDuration('1m30s'); // 90000
 * parseDuration(250);     // 250
 * parseDuration('30');    // throws: '30' has no unit; write 30ms or 30s
 */
export function parseDuration(v: string | number): number {
  if (typeof v === 'number') return checkRange(v, String(v));
  if (typeof v !== 'string') throw new TypeError(`${EXPECTED}; got ${describeValue(v)}`);
  const s = v.trim();
  if (s === '') throw new TypeError(`${EXPECTED}; got an empty string`);
  if (/^\d+(?:\.\d+)?$/.test(s)) throw new TypeError(`'${v}' has no unit; write ${s}ms or ${s}s (a bare number, unquoted, means milliseconds)`);
  if (s.startsWith('-')) throw new RangeError(`a duration cannot be negative; got '${v}'`);
  if (!WHOLE.test(s)) {
    const unit = /^\d+(?:\.\d+)?\s*([a-zA-Z]+)$/.exec(s)?.[1];
    if (unit !== undefined) throw new TypeError(`unknown unit '${unit}' in '${v}'; use ms, s, m or h (for example 30s)`);
    throw new TypeError(`${EXPECTED}; got '${v}'`);
  }
  let ms = 0;
  for (const [, amount, unit] of s.matchAll(PART)) ms += Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
  // 0.1s is 100.00000000000001 in floating point; round away that noise, not real fractions.
  const rounded = Math.round(ms * 1000) / 1000;
  return checkRange(rounded, `'${v}'`);
}

function checkRange(ms: number, shown: string): number {
  if (!Number.isFinite(ms)) throw new RangeError(`${EXPECTED}; got ${shown}`);
  if (ms < 0) throw new RangeError(`a duration cannot be negative; got ${shown}`);
  if (!Number.isInteger(ms)) throw new RangeError(`a duration must be a whole number of milliseconds; got ${shown}`);
  if (ms > MAX_DURATION_MS) {
    throw new RangeError(`${shown} is too long; the longest duration is ${MAX_DURATION_MS}ms (about 24 days), the most a Node.js timer allows`);
  }
  return ms;
}

/**
 * A duration read from a config (only its milliseconds are kept) written back in the
 * largest unit it is a whole number of, which is how durations are usually typed:
 * 30000 is "30s", 5400000 "90m", 90000000 "25h". A duration typed on the command
 * line is echoed as typed instead (cli/duration-flag.ts).
 *
 * @example
 * formatDuration(30_000);   // '30s'
 * formatDuration(1500);     // '1500ms'
 * formatDuration(86400000); // '24h'
 */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] ?? 1;
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
