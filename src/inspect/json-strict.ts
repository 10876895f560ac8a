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
 * Linear and bounded: one iterative pass validates (no recursion, so depth costs no
 * stack), then the native JSON.parse builds the value, which is then known to be
 * free of everything above (so its last-wins rule never applies).
 *
 * @example
 * readJsonStrict('{"a":1}')          // { ok: true, value: { a: 1 } }
 * readJsonStrict('{"a":1,"A":2}')    // { ok: false, code: 'duplicate_key', ... }
 * readJsonStrict('{"id":12345678901234567891}') // { ok: false, code: 'number_precision', ... }
 */

import { runSteps, ScanBudgetError, SLICE_BYTES, type ScanPace } from './scan-pace.js';

export type StrictJsonProblem =
  'too_large' | 'invalid_utf8' | 'bom' | 'too_deep' | 'lone_surrogate' | 'duplicate_key' | 'number_precision' | 'trailing_data' | 'invalid_json';

export type StrictJsonResult = { ok: true; value: unknown } | { ok: false; code: StrictJsonProblem; message: string };

export interface StrictJsonLimits {
  /** Bytes (UTF-8) at most; default 4 MiB. */
  maxBytes?: number;
  /** Array/object nesting at most; default 64. */
  maxDepth?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Read one JSON value strictly; see the module comment. Never throws; messages
 * never quote the input.
 */
export function readJsonStrict(input: Buffer | Uint8Array | string, limits: StrictJsonLimits = {}): StrictJsonResult {
  const maxBytes = limits.maxBytes ?? 4 * 1024 * 1024;
  let text: string;
  if (typeof input === 'string') {
    if (input.length > maxBytes || Buffer.byteLength(input) > maxBytes) return fail('too_large', `over ${maxBytes} bytes`);
    text = input;
  } else {
    if (input.byteLength > maxBytes) return fail('too_large', `over ${maxBytes} bytes`);
    try {
      text = utf8.decode(input);
    } catch {
      return fail('invalid_utf8', 'not valid UTF-8');
    }
  }
  const steps = validateSteps(text, limits.maxDepth ?? 64, Infinity, null);
  let r = steps.next();
  while (!r.done) r = steps.next();
  return r.value ?? parsed(text);
}

/** A strict read that may leave the value unparsed: see readJsonRpcStrictPaced. */
export type StrictJsonRpcRead = StrictJsonResult | { ok: true; value?: undefined; noJsonRpc: true };

/**
 * Characters validated between turns of the event loop: about half a millisecond of
 * objects with short keys (the costliest JSON per character: a key compare and a set
 * entry each), so a waiting agent's request is delayed by a step, not by the document.
 */
const STEP_CHARS = 32 * 1024;

/**
 * readJsonStrict for a long payload, in bounded steps on `pace` (the exchange's turns
 * and CPU budget; throws ScanBudgetError past it): the UTF-8 decode in slices, the
 * validation STEP_CHARS at a time. Same refusals as readJsonStrict. One difference,
 * for JSON-RPC recognition: a payload that is strict JSON but in which no message-level
 * object (the top-level object, or an object directly in a top-level array) has a key
 * that folds to `jsonrpc` cannot be a JSON-RPC message nor claim to be one, so it is
 * not parsed (`noJsonRpc`): building a 4 MiB value the gate will not read is one long
 * call of JSON.parse.
 */
export async function readJsonRpcStrictPaced(input: Buffer, limits: StrictJsonLimits, pace: ScanPace): Promise<StrictJsonRpcRead> {
  const maxBytes = limits.maxBytes ?? 4 * 1024 * 1024;
  if (input.byteLength > maxBytes) return fail('too_large', `over ${maxBytes} bytes`);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const parts: string[] = [];
  try {
    for (let at = 0; at < input.length; at += SLICE_BYTES) {
      const slice = input.subarray(at, at + SLICE_BYTES);
      const last = at + SLICE_BYTES >= input.length;
      parts.push(pace.run(() => decoder.decode(slice, { stream: !last })));
      const turn = pace.pace(slice.length);
      if (turn) await turn;
    }
    if (input.length === 0) parts.push(decoder.decode());
  } catch (err) {
    if (err instanceof ScanBudgetError) throw err;
    return fail('invalid_utf8', 'not valid UTF-8');
  }
  const text = parts.length === 1 ? parts[0]! : parts.join('');
  const marks = { jsonRpcKey: false };
  const problem = await runSteps(pace, validateSteps(text, limits.maxDepth ?? 64, STEP_CHARS, marks));
  if (problem) return problem;
  if (!marks.jsonRpcKey) return { ok: true, noJsonRpc: true };
  return pace.run(() => parsed(text));
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

function fail(code: StrictJsonProblem, message: string): { ok: false; code: StrictJsonProblem; message: string } {
  return { ok: false, code, message };
}

/** Parser states: a value is due, a key is due, a value just ended. */
const S = { Value: 0, Key: 1, After: 2 } as const;

/**
 * One pass over the text; null when it is strict JSON. A generator that yields once
 * every `step` characters (Infinity: never), so a long text is validated in bounded
 * steps with turns between them (runSteps). `marks.jsonRpcKey` is set when a
 * message-level object (top level, or directly in a top-level array) has a key that
 * folds to `jsonrpc`.
 */
function* validateSteps(
  t: string,
  maxDepth: number,
  step: number,
  marks: { jsonRpcKey: boolean } | null,
): Generator<void, Extract<StrictJsonResult, { ok: false }> | null, void> {
  const n = t.length;
  if (t.charCodeAt(0) === 0xfeff) return fail('bom', 'starts with a byte order mark (some readers skip it, others refuse it)');
  let next = step;
  // Open containers: null for an array, the folded keys seen so far for an object.
  const stack: Array<Set<string> | null> = [];
  let i = ws(t, 0);
  let state: number = S.Value;
  for (;;) {
    if (i >= next) {
      next = i + step;
      yield;
    }
    if (state === S.After) {
      i = ws(t, i);
      if (stack.length === 0) return i === n ? null : fail('trailing_data', 'data after the JSON value (some readers stop at the value, others refuse)');
      const top = stack[stack.length - 1];
      const c = t.charCodeAt(i);
      if (c === 0x2c /* , */) {
        i = ws(t, i + 1);
        state = top === null ? S.Value : S.Key;
      } else if (c === (top === null ? 0x5d : 0x7d)) {
        stack.pop();
        i++;
      } else return syntax();
      continue;
    }
    if (state === S.Key) {
      if (t.charCodeAt(i) !== 0x22) return syntax();
      const end = stringEnd(t, i);
      if (typeof end !== 'number') return end;
      const raw = t.slice(i + 1, end);
      const key = raw.includes('\\') ? (JSON.parse(t.slice(i, end + 1)) as string) : raw;
      const seen = stack[stack.length - 1]!;
      const folded = foldKey(key);
      if (seen.has(folded))
        return fail('duplicate_key', 'an object has the same key twice (equal after escapes or case folding); readers disagree on which value wins');
      seen.add(folded);
      if (marks !== null && folded === 'jsonrpc' && (stack.length === 1 || (stack.length === 2 && stack[0] === null))) marks.jsonRpcKey = true;
      i = ws(t, end + 1);
      if (t.charCodeAt(i) !== 0x3a /* : */) return syntax();
      i = ws(t, i + 1);
      state = S.Value;
      continue;
    }
    // S.Value
    const c = t.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return fail('too_deep', `nested deeper than ${maxDepth} levels`);
      stack.push(c === 0x7b ? new Set() : null);
      i = ws(t, i + 1);
      if (t.charCodeAt(i) === (c === 0x7b ? 0x7d : 0x5d)) {
        stack.pop();
        i++;
        state = S.After;
      } else state = c === 0x7b ? S.Key : S.Value;
      continue;
    }
    if (c === 0x22) {
      const end = stringEnd(t, i);
      if (typeof end !== 'number') return end;
      i = end + 1;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const end = numberEnd(t, i);
      if (typeof end !== 'number') return end;
      i = end;
    } else if (t.startsWith('true', i)) i += 4;
    else if (t.startsWith('null', i)) i += 4;
    else if (t.startsWith('false', i)) i += 5;
    else return syntax();
    state = S.After;
  }
}

function syntax(): Extract<StrictJsonResult, { ok: false }> {
  return fail('invalid_json', 'not valid JSON');
}

function ws(t: string, i: number): number {
  for (;;) {
    const c = t.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

// eslint-disable-next-line no-control-regex
const SPECIAL = /["\\\u0000-\u001f\ud800-\udfff]/g;

/** Index of the closing quote of the string opening at `i`, or the problem. */
function stringEnd(t: string, i: number): number | Extract<StrictJsonResult, { ok: false }> {
  const n = t.length;
  let j = i + 1;
  while (j < n) {
    // Jump (natively) to the next character that needs a look: a quote, a backslash, a control or a surrogate.
    SPECIAL.lastIndex = j;
    if (SPECIAL.exec(t) === null) return syntax();
    j = SPECIAL.lastIndex - 1;
    const c = t.charCodeAt(j);
    if (c === 0x22) return j;
    if (c < 0x20) return syntax();
    if (c === 0x5c) {
      const e = t.charCodeAt(j + 1);
      if (e === 0x75 /* u */) {
        const u = hex4(t, j + 2);
        if (u < 0) return syntax();
        j += 6;
        if (u >= 0xdc00 && u <= 0xdfff) return loneSurrogate();
        if (u >= 0xd800 && u <= 0xdbff) {
          // Only an escaped low surrogate completes an escaped high one.
          if (t.charCodeAt(j) !== 0x5c || t.charCodeAt(j + 1) !== 0x75) return loneSurrogate();
          const low = hex4(t, j + 2);
          if (low < 0xdc00 || low > 0xdfff) return loneSurrogate();
          j += 6;
        }
        continue;
      }
      if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        j += 2;
        continue;
      }
      return syntax();
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      // Raw surrogates (text handed in as a string): only a well-formed pair.
      const d = t.charCodeAt(j + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return loneSurrogate();
      j += 2;
      continue;
    }
    j++;
  }
  return syntax();
}

function loneSurrogate(): Extract<StrictJsonResult, { ok: false }> {
  return fail('lone_surrogate', 'a string holds a lone UTF-16 surrogate (readers keep, replace or refuse it)');
}

function hex4(t: string, i: number): number {
  if (i + 4 > t.length) return -1;
  let v = 0;
  for (let k = i; k < i + 4; k++) {
    const c = t.charCodeAt(k);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** End of the number starting at `i` (RFC 8259 grammar), or the problem. */
function numberEnd(t: string, i: number): number | Extract<StrictJsonResult, { ok: false }> {
  const start = i;
  if (t.charCodeAt(i) === 0x2d) i++;
  const first = t.charCodeAt(i);
  if (first === 0x30) i++;
  else if (first >= 0x31 && first <= 0x39) i = digits(t, i);
  else return syntax();
  let integer = true;
  if (t.charCodeAt(i) === 0x2e /* . */) {
    const d = digits(t, i + 1);
    if (d === i + 1) return syntax();
    i = d;
    integer = false;
  }
  const e = t.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    let k = i + 1;
    const s = t.charCodeAt(k);
    if (s === 0x2b || s === 0x2d) k++;
    const d = digits(t, k);
    if (d === k) return syntax();
    i = d;
    integer = false;
  }
  const lit = t.slice(start, i);
  const v = Number(lit);
  if (!Number.isFinite(v)) return fail('number_precision', 'a number overflows a double');
  // Integers up to 15 digits are always exact; past that, one reader keeps every digit, another rounds.
  if (integer && i - start > 15 && BigInt(v) !== BigInt(lit))
    return fail('number_precision', 'an integer has more precision than a double holds (readers disagree on its value)');
  return i;
}

function digits(t: string, i: number): number {
  for (;;) {
    const c = t.charCodeAt(i);
    if (!(c >= 0x30 && c <= 0x39)) return i;
    i++;
  }
}
