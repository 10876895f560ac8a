/**
 * Building blocks for the config schema. Each turns a hand-written parser or
 * rule into a zod field whose error message a person can act on.
 */
import { isIP } from 'node:net';
import * as z from 'zod';
import { parseCidr } from './cidr.js';
import { describeValue } from './describe-value.js';
import { parseDuration } from './duration.js';
import { parseHostName, parseHostPattern } from './host-pattern.js';
import { parseListen } from './listen-address.js';

/**
 * A map whose unknown keys are errors. The message lists the allowed keys; the
 * loader prefixes it with the offending key and points at that key's line, one
 * problem per key.
 *
 * @example
 * const log = strictSection({ level: z.string() });
 */
export function strictSection<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `allowed keys: ${allowed}` : undefined),
  });
}

/**
 * Treat an empty YAML value (`dns:` with nothing under it, or `rules:` with
 * every rule commented out) as an absent key, so its default applies.
 */
export function emptyAsAbsent<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null ? undefined : v), schema);
}

/**
 * A field checked by a hand-written parser that throws an Error with a
 * readable message; that message becomes the zod issue.
 *
 * @example
 * const port = parsedBy((v) => { if (v !== 80) throw new TypeError('expected 80'); return v; });
 */
export function parsedBy<T>(parse: (v: unknown) => T) {
  return z.unknown().transform(issuesFrom(parse));
}

/** A transform running `parse`: the message of an Error it throws becomes the issue at that value. */
function issuesFrom<I, T>(parse: (v: I) => T): (v: I, ctx: z.RefinementCtx<I>) => T {
  return (v, ctx) => {
    try {
      return parse(v);
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      ctx.issues.push({ code: 'custom', message: err.message, input: v });
      return z.NEVER;
    }
  };
}

function stringOnly<T>(expected: string, parse: (s: string) => T): (v: unknown) => T {
  return (v) => {
    if (typeof v !== 'string') throw new TypeError(`${expected}; got ${describeValue(v)}`);
    return parse(v);
  };
}

/**
 * A duration in milliseconds; timeouts pass `positive` because a zero timeout would fail every request.
 *
 * @example
 * const idle = durationField({ positive: true }).prefault('60s');
 */
export function durationField(opts: { positive?: boolean } = {}) {
  return parsedBy((v) => {
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new TypeError(`expected a duration like 500ms, 30s, 5m or 1h, or a number of milliseconds; got ${describeValue(v)}`);
    }
    const ms = parseDuration(v);
    if (opts.positive === true && ms === 0) throw new RangeError('expected a duration longer than 0, like 30s');
    return ms;
  });
}

/** HOST:PORT to `{ host, port }`; a bare number gets a hint, since `listen: 8877` is the likely slip. */
export const listenField = parsedBy((v) => {
  if (typeof v === 'number') throw new TypeError(`expected HOST:PORT like 127.0.0.1:8877; got the number ${v} (did you mean 127.0.0.1:${v}?)`);
  return stringOnly('expected HOST:PORT like 127.0.0.1:8877', parseListen)(v);
});

/** A CIDR or bare IP, normalised to `addr/prefix`. */
export const cidrField = parsedBy(stringOnly('expected a CIDR like 10.0.0.0/8 or an IP address', parseCidr));

/** An exact host, a leading `*.` wildcard, or an IP literal, lower-cased. */
export const hostPatternField = parsedBy(
  stringOnly("expected a host name like api.example.com, a wildcard like '*.example.com', or an IP address", parseHostPattern),
);

/** Keys of `dns.hosts`: exact names only, lower-cased so lookups need no normalising. */
export const hostNameKey = z.string().transform(issuesFrom(parseHostName));

/** An IPv4 or IPv6 literal without a zone id (a `dns.hosts` answer). */
export const ipLiteralField = parsedBy(
  stringOnly('expected an IP address like 127.0.0.1 or ::1', (s) => {
    if (isIP(s) === 0 || s.includes('%')) throw new TypeError(`expected an IP address like 127.0.0.1 or ::1; got '${s}'`);
    return s.toLowerCase();
  }),
);

/**
 * A whole number in a range, with one message that states the whole range.
 *
 * @example
 * const size = intInRange(1024, 1_048_576, ' (bytes)').prefault(32_768);
 */
export function intInRange(min: number, max?: number, unit = '') {
  const range = max === undefined ? `${min} or more` : `from ${min} to ${max}`;
  const expected = `expected a whole number ${range}${unit}`;
  return z.unknown().transform((v, ctx): number => {
    const ok = typeof v === 'number' && Number.isInteger(v) && v >= min && (max === undefined || v <= max);
    if (ok) return v;
    ctx.issues.push({ code: 'custom', message: `${expected}; got ${describeValue(v)}`, input: v });
    return z.NEVER;
  });
}
