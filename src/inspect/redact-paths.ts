/**
 * Field redaction of a JSON value, for a rule's `redact:` (the "partial result"
 * fallback: the agent gets the response with those fields replaced, not a refusal).
 * Pure and bounded by its input: the value has been read strictly (json-strict.ts, so
 * its depth is bounded and no object has two keys that fold to one name).
 *
 * A spec is either
 * - a field name (`ssn`, `api_key`): that key wherever it appears, at any depth; or
 * - a JSON path from the root: `$.user.ssn`, `$.items[*].token`, `$.rows[0]`,
 *   `$['odd key']`, `$..password` (`..` is any depth), `$.*` (any key or element).
 *
 * Keys compare case-folded (foldKey), as a case-insensitive reader (Go's
 * encoding/json) would bind them: `SSN` is redacted by `ssn`. A matched value is
 * replaced whole (an object or array too, without descending into it) by
 * REDACTED_MARKER, a string, whatever its type was.
 *
 * @example
 * const specs = ['ssn', '$.items[*].token'].map(parseRedactSpec);
 * const v = { user: { SSN: '1' }, items: [{ token: 't', id: 1 }] };
 * redactValue(v, specs).matched; // ['ssn', '$.items[*].token']
 * v; // { user: { SSN: '[REDACTED by sluice]' }, items: [{ token: '[REDACTED by sluice]', id: 1 }] }
 */
import { foldKey } from './json-strict.js';

/** What a redacted field holds instead: a string, so a reader sees that something was there. */
export const REDACTED_MARKER = '[REDACTED by sluice]';

type Segment = { kind: 'key'; name: string } | { kind: 'index'; index: number } | { kind: 'any' } | { kind: 'deep'; name: string | null };

/** One parsed `redact:` entry: as written (for the header, the finding, explain) and its steps. */
export interface RedactSpec {
  readonly text: string;
  readonly segments: readonly Segment[];
}

/** A `redact:` entry that cannot be read; the message says what was expected. */
export class RedactSpecError extends Error {
  override readonly name = 'RedactSpecError';
}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*/;
/**
 * A field name alone (no `$`): printable ASCII but the path syntax's own characters and
 * the comma (the names go into the `x-sluice-partial` header, a comma-separated list).
 */
const FIELD = /^[\x21-\x7e]+$/;
const NOT_IN_FIELD = /[$.[\]'"*,]/;
/** A bracketed name: printable ASCII and spaces, no quote, backslash or comma. */
const BRACKETED = /^\['([\x20-\x7e]+?)'\]/;

/**
 * Read one `redact:` entry. Throws RedactSpecError with a message a person can act on.
 *
 * @example
 * parseRedactSpec('$.a[*].b').segments; // [{kind:'key',name:'a'},{kind:'any'},{kind:'key',name:'b'}]
 */
export function parseRedactSpec(text: string): RedactSpec {
  if (text.length === 0 || text.length > 256) throw new RedactSpecError('expected a field name or a JSON path of 1 to 256 characters');
  if (!text.startsWith('$')) {
    if (!FIELD.test(text) || NOT_IN_FIELD.test(text))
      throw new RedactSpecError(`'${text}' is neither a field name (like ssn) nor a JSON path (like $.user.ssn or $.items[*].token)`);
    return { text, segments: [{ kind: 'deep', name: foldKey(text) }] };
  }
  const segments: Segment[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    const fail = (what: string): never => {
      throw new RedactSpecError(`in '${text}' at character ${i + 1}: ${what} (paths look like $.user.ssn, $.items[*].token, $['a b'], $..password)`);
    };
    if (rest.startsWith('..')) {
      const star = rest.startsWith('..*');
      const name = star ? null : NAME.exec(rest.slice(2))?.[0];
      if (name === undefined) fail("expected a name or '*' after '..'");
      segments.push({ kind: 'deep', name: name === null || name === undefined ? null : foldKey(name) });
      i += 2 + (star ? 1 : name!.length);
    } else if (rest.startsWith('.*')) {
      segments.push({ kind: 'any' });
      i += 2;
    } else if (rest.startsWith('.')) {
      const name = NAME.exec(rest.slice(1))?.[0] ?? fail("expected a name after '.' (use $['...'] for other keys)");
      segments.push({ kind: 'key', name: foldKey(name) });
      i += 1 + name.length;
    } else if (rest.startsWith('[*]')) {
      segments.push({ kind: 'any' });
      i += 3;
    } else if (/^\[\d{1,9}\]/.test(rest)) {
      const digits = /^\[(\d+)\]/.exec(rest)![1]!;
      segments.push({ kind: 'index', index: Number(digits) });
      i += digits.length + 2;
    } else if (BRACKETED.test(rest) && !/['\\,]/.test(BRACKETED.exec(rest)![1]!)) {
      const name = BRACKETED.exec(rest)![1]!;
      segments.push({ kind: 'key', name: foldKey(name) });
      i += name.length + 4;
    } else {
      fail("expected '.name', '[N]', '[*]', \"['name']\" or '..name'");
    }
  }
  if (segments.length === 0) throw new RedactSpecError(`'${text}' is the whole document; name the fields to redact ($.user.ssn)`);
  return { text, segments };
}

/** What a redaction did: the specs that matched at least once (in the order given), and how many values were replaced. */
export interface Redaction {
  readonly matched: string[];
  readonly replaced: number;
}

/**
 * Replace, in place, every value `specs` name in `value` (a freshly parsed JSON value
 * the caller owns). The root itself is never replaced.
 */
export function redactValue(value: unknown, specs: readonly RedactSpec[]): Redaction {
  const matched: string[] = [];
  let replaced = 0;
  for (const spec of specs) {
    const n = walk(value, spec.segments, 0);
    if (n > 0) matched.push(spec.text);
    replaced += n;
  }
  return { matched, replaced };
}

type Container = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

/** Children of a container as [key, value] pairs (array indexes as numbers). */
function entries(c: Container): Array<[string | number, unknown]> {
  return Array.isArray(c) ? c.map((v, i) => [i, v]) : Object.entries(c);
}

function set(c: Container, k: string | number, v: unknown): void {
  (c as Record<string | number, unknown>)[k] = v;
}

/** Apply segments[at..] below `node`; the number of values replaced. */
function walk(node: unknown, segs: readonly Segment[], at: number): number {
  if (!isContainer(node)) return 0;
  const seg = segs[at]!;
  const last = at === segs.length - 1;
  let n = 0;
  const hit = (k: string | number, v: unknown): void => {
    if (last) {
      if (v !== REDACTED_MARKER) n++;
      set(node, k, REDACTED_MARKER);
    } else n += walk(v, segs, at + 1);
  };
  if (seg.kind === 'deep') {
    for (const [k, v] of entries(node)) {
      const here = seg.name === null || (typeof k === 'string' && foldKey(k) === seg.name);
      if (here) hit(k, v);
      // Below a replaced value there is nothing left to find.
      if (!(here && last)) n += walk(v, segs, at);
    }
    return n;
  }
  for (const [k, v] of entries(node)) {
    if (seg.kind === 'any' || (seg.kind === 'index' && k === seg.index) || (seg.kind === 'key' && typeof k === 'string' && foldKey(k) === seg.name)) hit(k, v);
  }
  return n;
}
