/**
 * The one strict JSON reader for protocol messages (MCP, A2A, agent cards). A gate
 * must read a message exactly as its receiver will; where receivers disagree (a
 * duplicate key is first-wins in one parser and last-wins in another, a case-only
 * variant of a key is the same field to Go's encoding/json, a 20-digit id is exact
 * in Python and rounded in JavaScript, a lone surrogate is kept by one and replaced
 * by another, a BOM is skipped by one and refused by another, trailing bytes are
 * ignored by a stream decoder) the gate cannot know which reading wins, so it
 * refuses the message instead of passing it on unread.
 *
 * Refused: invalid UTF-8 (overlong forms and encoded surrogates included), a leading
 * BOM, nesting deeper than `maxDepth`, a lone surrogate (escaped `\ud800` or raw),
 * two keys of one object that are equal after escapes and case folding, an integer
 * that a double cannot hold exactly or any number that overflows a double, anything
 * but whitespace after the value, and anything past `maxBytes`.
 *
 * Linear and bounded: one iterative pass over the bytes validates (no recursion, so
 * depth costs no stack; the UTF-8 checked inline, since JSON's structure is ASCII and
 * other bytes may only stand in strings), then the native JSON.parse builds the value,
 * which is then known to be free of everything above (so its last-wins rule never
 * applies). The text is never decoded just to be validated: decoding a 4 MiB body and
 * joining its parts was one call of 12-16 ms, most of it first touches of fresh memory.
 *
 * @example
 * readJsonStrict('{"a":1}')          // { ok: true, value: { a: 1 } }
 * readJsonStrict('{"a":1,"A":2}')    // { ok: false, code: 'duplicate_key', ... }
 * readJsonStrict('{"id":12345678901234567891}') // { ok: false, code: 'number_precision', ... }
 */

import { BAD_SURROGATE, digits, escapeEnd, isSpace, STOP, utf8End } from './json-lex.js';
import { runSteps, type ScanPace } from './scan-pace.js';

export type StrictJsonProblem =
  'too_large' | 'invalid_utf8' | 'bom' | 'too_deep' | 'lone_surrogate' | 'duplicate_key' | 'number_precision' | 'trailing_data' | 'invalid_json';

export type StrictJsonResult = { ok: true; value: unknown } | { ok: false; code: StrictJsonProblem; message: string };

type Refusal = Extract<StrictJsonResult, { ok: false }>;

export interface StrictJsonLimits {
  /** Bytes (UTF-8) at most; default 4 MiB. */
  maxBytes?: number;
  /** Array/object nesting at most; default 64. */
  maxDepth?: number;
}

/**
 * Read one JSON value strictly; see the module comment. Never throws; messages
 * never quote the input. A string is read as its UTF-8 bytes; one holding a lone
 * surrogate anywhere (it has no UTF-8 form) is refused as `lone_surrogate`, after
 * only `too_large` and `bom`.
 */
export function readJsonStrict(input: Buffer | Uint8Array | string, limits: StrictJsonLimits = {}): StrictJsonResult {
  const maxBytes = limits.maxBytes ?? 4 * 1024 * 1024;
  let bytes: Buffer;
  if (typeof input === 'string') {
    if (input.length > maxBytes || Buffer.byteLength(input) > maxBytes) return fail('too_large', `over ${maxBytes} bytes`);
    if (input.charCodeAt(0) === 0xfeff) return bomRefusal();
    if (!(input as string & { isWellFormed(): boolean }).isWellFormed()) return loneSurrogate();
    bytes = Buffer.from(input, 'utf8');
  } else {
    if (input.byteLength > maxBytes) return fail('too_large', `over ${maxBytes} bytes`);
    bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }
  const steps = validateSteps(bytes, limits.maxDepth ?? 64, Infinity, null);
  let r = steps.next();
  while (!r.done) r = steps.next();
  return r.value ?? parsed(typeof input === 'string' ? input : bytes.toString('utf8'));
}

/** A strict read that may leave the value unparsed: see readJsonRpcStrictPaced. */
export type StrictJsonRpcRead = StrictJsonResult | { ok: true; value?: undefined; noJsonRpc: true };

/**
 * Bytes validated between turns of the event loop: about half a millisecond of
 * objects with short keys (the costliest JSON per byte: a key decode, a compare and a
 * set entry each), so a waiting agent's request is delayed by a step, not by the document.
 */
export const STEP_BYTES = 32 * 1024;

/**
 * readJsonStrict for a long payload, validated STEP_BYTES at a time on `pace` (the
 * exchange's turns and CPU budget; throws ScanBudgetError past it). Same refusals as
 * readJsonStrict. One difference, for JSON-RPC recognition: a payload that is strict
 * JSON but in which no message-level object (the top-level object, or an object
 * directly in a top-level array) has a key that folds to `jsonrpc` cannot be a
 * JSON-RPC message nor claim to be one, so it is neither decoded nor parsed
 * (`noJsonRpc`): building a 4 MiB value the gate will not read is one long call of
 * JSON.parse. A JSON-RPC message is decoded and parsed in one call: it must be read.
 */
export async function readJsonRpcStrictPaced(input: Buffer, limits: StrictJsonLimits, pace: ScanPace): Promise<StrictJsonRpcRead> {
  const maxBytes = limits.maxBytes ?? 4 * 1024 * 1024;
  if (input.byteLength > maxBytes) return fail('too_large', `over ${maxBytes} bytes`);
  const marks = { jsonRpcKey: false };
  const problem = await runSteps(pace, validateSteps(input, limits.maxDepth ?? 64, STEP_BYTES, marks));
  if (problem) return problem;
  if (!marks.jsonRpcKey) return { ok: true, noJsonRpc: true };
  return pace.run(() => parsed(input.toString('utf8')));
}

function parsed(text: string): StrictJsonResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return fail('invalid_json', 'not valid JSON');
  }
}

/**
 * The case folding used to compare keys: what a case-insensitive reader (Go's
 * encoding/json, .NET's option) treats as the same name, over-approximated
 * (`ſ` and the Kelvin sign fold to ASCII `s` and `k`, as Go's do).
 *
 * @example
 * foldKey('jſonRPC') // 'jsonrpc'
 */
export function foldKey(k: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(k) ? k.toLowerCase() : k.toUpperCase().toLowerCase();
}

function fail(code: StrictJsonProblem, message: string): Refusal {
  return { ok: false, code, message };
}

/**
 * Parser states: a value is due, a key is due, a colon is due, a value just ended,
 * inside a string, just after `[` (a value or `]`), just after `{` (a key or `}`).
 */
const S = { Value: 0, Key: 1, Colon: 2, After: 3, Str: 4, ArrayStart: 5, ObjectStart: 6 } as const;

/**
 * One pass over the bytes; null when they are strict JSON. A generator that yields
 * once every `step` bytes (Infinity: never), inside long strings and whitespace too,
 * so a long payload is validated in bounded steps with turns between them (runSteps).
 * `marks.jsonRpcKey` is set when a message-level object (top level, or directly in a
 * top-level array) has a key that folds to `jsonrpc`.
 *
 * Invalid UTF-8 anywhere outranks any other problem (a receiver decodes before it
 * parses): once another is found, the rest of the bytes are still checked for it.
 */
function* validateSteps(b: Buffer, maxDepth: number, step: number, marks: { jsonRpcKey: boolean } | null): Generator<void, Refusal | null, void> {
  const n = b.length;
  let problem: Refusal | null = n >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? bomRefusal() : null;
  let next = step;
  // Open containers: null for an array, the folded keys seen so far for an object.
  const stack: Array<Set<string> | null> = [];
  let state: number = S.Value;
  let i = 0;
  // Where the token being read starts (a string's quote): every byte before it is valid UTF-8.
  let from = 0;
  // The string being read: a key or not, with escapes, with multi-byte characters.
  let isKey = false;
  let escaped = false;
  let wide = false;
  main: while (problem === null) {
    if (i >= next) {
      next = i + step;
      yield;
    }
    const lim = next < n ? next : n;
    if (state === S.Str) {
      for (;;) {
        while (i < lim && STOP[b[i]!] === 0) i++;
        if (i >= lim) {
          if (i < n) continue main;
          problem = syntax();
          break main;
        }
        const c = b[i]!;
        if (c === 0x22) break;
        if (c === 0x5c) {
          const e = escapeEnd(b, i);
          if (e < 0) {
            problem = e === BAD_SURROGATE ? loneSurrogate() : syntax();
            break main;
          }
          escaped = true;
          i = e;
        } else if (c < 0x20) {
          problem = syntax();
          break main;
        } else {
          const e = utf8End(b, i, c);
          if (e < 0) return invalidUtf8();
          wide = true;
          i = e;
        }
      }
      i++;
      if (!isKey) {
        state = S.After;
        continue;
      }
      const seen = stack[stack.length - 1]!;
      const folded = foldedKey(b, from, i, escaped, wide);
      if (seen.has(folded)) {
        problem = fail('duplicate_key', 'an object has the same key twice (equal after escapes or case folding); readers disagree on which value wins');
        break;
      }
      seen.add(folded);
      if (marks !== null && folded === 'jsonrpc' && (stack.length === 1 || (stack.length === 2 && stack[0] === null))) marks.jsonRpcKey = true;
      state = S.Colon;
      continue;
    }
    while (i < lim && isSpace(b[i]!)) i++;
    if (i < n && i >= lim) continue;
    from = i;
    const c = i < n ? b[i]! : -1;
    if (state === S.After) {
      if (stack.length === 0) {
        if (i === n) return null;
        problem = fail('trailing_data', 'data after the JSON value (some readers stop at the value, others refuse)');
        break;
      }
      const top = stack[stack.length - 1];
      if (c === 0x2c /* , */) state = top === null ? S.Value : S.Key;
      else if (c === (top === null ? 0x5d : 0x7d)) stack.pop();
      else problem = syntax();
      i++;
      continue;
    }
    if (state === S.ArrayStart || state === S.ObjectStart) {
      if (c === (state === S.ArrayStart ? 0x5d : 0x7d)) {
        stack.pop();
        i++;
        state = S.After;
      } else state = state === S.ArrayStart ? S.Value : S.Key;
      continue;
    }
    if (state === S.Colon) {
      if (c !== 0x3a) problem = syntax();
      state = S.Value;
      i++;
      continue;
    }
    if (state === S.Key || c === 0x22) {
      if (c !== 0x22) problem = syntax();
      isKey = state === S.Key;
      escaped = false;
      wide = false;
      state = S.Str;
      i++;
      continue;
    }
    // S.Value
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) problem = fail('too_deep', `nested deeper than ${maxDepth} levels`);
      stack.push(c === 0x7b ? new Set() : null);
      state = c === 0x7b ? S.ObjectStart : S.ArrayStart;
      i++;
      continue;
    }
    state = S.After;
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const end = numberEnd(b, i);
      if (typeof end === 'number') i = end;
      else problem = end;
    } else if (c === 0x74 && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65) i += 4;
    else if (c === 0x6e && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c) i += 4;
    else if (c === 0x66 && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65) i += 5;
    else problem = syntax();
  }
  // Another problem was found at or after `from`: invalid UTF-8 in the rest still outranks it.
  for (i = from; i < n;) {
    if (i >= next) {
      next = i + step;
      yield;
    }
    const lim = next < n ? next : n;
    while (i < lim && b[i]! < 0x80) i++;
    if (i < lim) {
      i = utf8End(b, i, b[i]!);
      if (i < 0) return invalidUtf8();
    }
  }
  return problem;
}

function syntax(): Refusal {
  return fail('invalid_json', 'not valid JSON');
}

function loneSurrogate(): Refusal {
  return fail('lone_surrogate', 'a string holds a lone UTF-16 surrogate (readers keep, replace or refuse it)');
}

function invalidUtf8(): Refusal {
  return fail('invalid_utf8', 'not valid UTF-8');
}

function bomRefusal(): Refusal {
  return fail('bom', 'starts with a byte order mark (some readers skip it, others refuse it)');
}

/**
 * A key as foldKey folds it: `quote` its opening quote, `end` just past its closing
 * one. Only the key's bytes are decoded; a short plain ASCII key (most keys) is
 * folded as it is read, without a call into the buffer's decoder.
 */
function foldedKey(b: Buffer, quote: number, end: number, escaped: boolean, wide: boolean): string {
  if (escaped) return foldKey(JSON.parse(b.toString('utf8', quote, end)) as string);
  if (wide || end - quote > 34) return foldKey(b.toString(wide ? 'utf8' : 'latin1', quote + 1, end - 1));
  let k = '';
  for (let j = quote + 1; j < end - 1; j++) {
    const c = b[j]!;
    k += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return k;
}

/** End of the number starting at `i` (RFC 8259 grammar), or the problem. */
function numberEnd(b: Buffer, i: number): number | Refusal {
  const start = i;
  if (b[i] === 0x2d) i++;
  const first = b[i];
  if (first === 0x30) i++;
  else if (first !== undefined && first >= 0x31 && first <= 0x39) i = digits(b, i);
  else return syntax();
  let integer = true;
  let exponent = false;
  if (b[i] === 0x2e /* . */) {
    const d = digits(b, i + 1);
    if (d === i + 1) return syntax();
    i = d;
    integer = false;
  }
  const e = b[i];
  if (e === 0x65 || e === 0x45) {
    let k = i + 1;
    const s = b[k];
    if (s === 0x2b || s === 0x2d) k++;
    const d = digits(b, k);
    if (d === k) return syntax();
    i = d;
    integer = false;
    exponent = true;
  }
  // Integers up to 15 digits are always exact, and no number under 300 characters without an exponent overflows.
  if (integer ? i - start <= 15 : !exponent && i - start < 300) return i;
  const lit = b.toString('latin1', start, i);
  const v = Number(lit);
  if (!Number.isFinite(v)) return fail('number_precision', 'a number overflows a double');
  // Past 15 digits, one reader keeps every digit, another rounds.
  if (integer && BigInt(v) !== BigInt(lit))
    return fail('number_precision', 'an integer has more precision than a double holds (readers disagree on its value)');
  return i;
}
