/**
 * Fields of a policy rule, each checked by the same parser the policy compiler
 * uses, so a rule that loads always compiles and every problem names its line.
 */
import * as z from 'zod';
import { pathPatternProblem } from '../policy/path-glob.js';
import { parsePortSpec } from '../policy/port-range.js';
import { describeValue } from './describe-value.js';
import { parsedBy } from './fields.js';

/** RFC 9110 token characters: what a method or header name may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NAME = /^[A-Za-z0-9._-]+$/;

/** A non-empty list; the message says what one item looks like. */
export function listOf<T extends z.ZodType>(item: T, example: string) {
  return z.array(item).min(1, { error: `expected at least one item, like ${example}; leave the key out to match any` });
}

/** Names of tenants and agents, with `*` standing for any characters. */
export const nameGlobField = parsedBy((v) => {
  if (typeof v !== 'string' || v === '' || /\s/.test(v)) {
    throw new TypeError(`expected a name or a glob like 'support-*' (no spaces); got ${describeValue(v)}`);
  }
  return v;
});

/** A port number or a range written "8000-8100"; kept as written, checked by the policy's own parser. */
export const portField = parsedBy((v): number | string => {
  if (typeof v !== 'number' && typeof v !== 'string') throw new TypeError(`expected a port like 443 or a range like "8000-8100"; got ${describeValue(v)}`);
  parsePortSpec(v);
  return typeof v === 'string' ? v.replace(/\s+/g, '') : v;
});

/** An HTTP method: a token, upper-cased so `get` and `GET` are one method. */
export const methodField = parsedBy((v) => {
  if (typeof v !== 'string' || !TOKEN.test(v)) throw new TypeError(`expected an HTTP method like GET or POST; got ${describeValue(v)}`);
  return v.toUpperCase();
});

/** A path pattern: starts with '/', `*` within a segment, `**` across segments. */
export const pathPatternField = parsedBy((v) => {
  if (typeof v !== 'string') throw new TypeError(`expected a path pattern like "/repos/acme/**"; got ${describeValue(v)}`);
  const problem = pathPatternProblem(v);
  if (problem !== null) throw new TypeError(problem);
  return v;
});

/** A header name, lower-cased. */
export const headerNameField = parsedBy((v) => {
  if (typeof v !== 'string' || !TOKEN.test(v)) throw new TypeError(`expected a header name like authorization; got ${describeValue(v)}`);
  return v.toLowerCase();
});

/** A map of header name to value; names lower-cased. */
export const headerMapField = z.record(
  z
    .string()
    .regex(TOKEN, { error: (i) => `expected a header name like user-agent; got ${describeValue(i.input)}` })
    .transform((s) => s.toLowerCase()),
  z.string(),
);

/** A name used to refer to a route or a secret in the store: letters, digits, '.', '_', '-'. */
export const refNameField = z.string().regex(NAME, { error: (i) => `expected a name made of letters, digits, '.', '_' or '-'; got ${describeValue(i.input)}` });

/** `ticket.create`: names what the request does, for audit and reports. */
export const intentField = z.string().regex(/^[A-Za-z0-9._:/-]+$/, {
  error: (i) => `expected an intent name like ticket.create (letters, digits, '.', '_', ':', '/', '-'); got ${describeValue(i.input)}`,
});
