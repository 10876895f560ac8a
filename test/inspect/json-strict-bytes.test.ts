/**
 * The byte reader (src/inspect/json-strict.ts) against the string reader it replaced,
 * kept below verbatim as the reference: a few thousand generated documents, mutated
 * at the byte level (invalid UTF-8, overlong forms, encoded surrogates, cut
 * characters, BOMs, stray structure) and at the text level (escaped and raw
 * surrogates, duplicate keys in case and escape variants, long integers, deep
 * nesting, trailing data), read as a Buffer, a Uint8Array and a string, one-call and
 * paced with a step boundary at a random place. Seeded, so a failure repeats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readJsonRpcStrictPaced, readJsonStrict, STEP_BYTES } from '../../src/inspect/json-strict.js';
import { runSteps, ScanBudgetError, ScanPace, SLICE_BYTES } from '../../src/inspect/scan-pace.js';
import { prng } from '../helpers/prng.js';

type StrictJsonProblem =
  'too_large' | 'invalid_utf8' | 'bom' | 'too_deep' | 'lone_surrogate' | 'duplicate_key' | 'number_precision' | 'trailing_data' | 'invalid_json';
type StrictJsonResult = { ok: true; value: unknown } | { ok: false; code: StrictJsonProblem; message: string };
interface StrictJsonLimits {
  maxBytes?: number;
  maxDepth?: number;
}

// ---- The reference: the string-based reader as it was before the byte reader (verbatim but for names). ----

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Read one JSON value strictly; see the module comment. Never throws; messages
 * never quote the input.
 */
function oldReadJsonStrict(input: Buffer | Uint8Array | string, limits: StrictJsonLimits = {}): StrictJsonResult {
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
type StrictJsonRpcRead = StrictJsonResult | { ok: true; value?: undefined; noJsonRpc: true };

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
async function oldReadJsonRpcStrictPaced(input: Buffer, limits: StrictJsonLimits, pace: ScanPace): Promise<StrictJsonRpcRead> {
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
 * oldFoldKey('jſonRPC') // 'jsonrpc'
 */
function oldFoldKey(k: string): string {
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
      const folded = oldFoldKey(key);
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

// ---- Generated documents. ----

const rnd = prng(0x5eed_0001);
const int = (n: number): number => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

// Keys that collide after escapes or case folding, and some that do not.
const KEYS = [
  ...['a', 'A', 'b', 'name', 'NAME', 'Name', 'jsonrpc', 'JSONRPC', 'j\u017fonrpc', 'key', '\u212aey', 'é', 'É', '\u{1f600}', 'id', 'method', 'x y', ''],
  ...['@[`{', '`{@[', 'x'.repeat(32), 'X'.repeat(32), 'LongerKey_'.repeat(4), 'longerkey_'.repeat(4)],
];
const NUMBERS = [
  '0',
  '-0',
  '1.5e3',
  '1E+2',
  '-12e-5',
  '0.1',
  '123456789012345',
  '-123456789012345',
  '1234567890123456',
  '9007199254740992',
  '9007199254740993',
  '-9007199254740993',
  '12345678901234567891',
  '100000000000000000000',
  '1e308',
  '1e309',
  '-1e400',
  '1.7976931348623157e308',
  '1.7976931348623159e308',
  '123456789012345678901234567890.5',
  '1' + '0'.repeat(308),
  '1' + '0'.repeat(309),
  '9'.repeat(299) + '.5',
  '0.' + '3'.repeat(400),
  '9'.repeat(309) + '.5',
  '1' + '0'.repeat(308) + '.0',
];
const STRING_PARTS = [
  'a',
  'Z',
  ' ',
  'é',
  '€',
  '\u{1f600}',
  '\u00ff',
  '\u07ff',
  '\u0800',
  '\uffff',
  '\\n',
  '\\"',
  '\\\\',
  '\\/',
  '\\u00e9',
  '\\u20AC',
  '\\ud83d\\ude00',
  '\\t',
  '\\b',
];
/** Escapes that are lone surrogates: rare, so that most strings are fine. */
const LONE_ESCAPES = ['\\uD800', '\\udc00', '\\ud800\\u0041', '\\udbff"'];

function space(): string {
  return rnd() < 0.7 ? '' : pick([' ', '\n', '\t', '\r\n', '  ']);
}

function escapeKey(k: string): string {
  // Some keys spelled with \u escapes, so equal keys differ in their bytes.
  return [...k].map((ch) => (rnd() < 0.25 && ch.length === 1 ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch === '"' ? '\\"' : ch)).join('');
}

function value(depth: number): string {
  const r = rnd();
  if (depth < 6 && r < 0.2) {
    const keys = Array.from({ length: int(5) }, () => `${space()}"${escapeKey(pick(KEYS))}"${space()}:${space()}${value(depth + 1)}${space()}`);
    return `{${keys.join(',')}}`;
  }
  if (depth < 6 && r < 0.35) return `[${Array.from({ length: int(5) }, () => `${space()}${value(depth + 1)}${space()}`).join(',')}]`;
  if (r < 0.7) return `"${Array.from({ length: int(12) }, () => pick(rnd() < 0.02 ? LONE_ESCAPES : STRING_PARTS)).join('')}"`;
  if (r < 0.85) return rnd() < 0.5 ? pick(NUMBERS) : String(int(1e6) - 5e5) + (rnd() < 0.3 ? `.${int(1000)}` : '');
  if (r < 0.9) return `${int(10) + 1}${'0'.repeat(int(20))}`;
  return pick(['true', 'false', 'null']);
}

function document(): string {
  let doc = value(0);
  if (rnd() < 0.08) {
    // Nesting around the limit of 64.
    const levels = 58 + int(10);
    const open = rnd() < 0.5;
    doc = open ? `${'['.repeat(levels)}${doc}${']'.repeat(levels)}` : `${'{"a":'.repeat(levels)}${doc}${'}'.repeat(levels)}`;
  }
  return `${space()}${doc}${space()}`;
}

/** A document shaped like JSON-RPC traffic: an object or a batch of objects, some with a `jsonrpc` key in some spelling. */
function messageDocument(): string {
  const message = (): string => `{${Array.from({ length: 1 + int(4) }, () => `"${escapeKey(pick(KEYS))}":${value(2)}`).join(',')}}`;
  return rnd() < 0.5 ? message() : `[${Array.from({ length: 1 + int(3) }, () => (rnd() < 0.8 ? message() : value(1))).join(',')}]`;
}

const INSERTS: Array<number[] | string> = [
  [0x80],
  [0xbf],
  [0xc0, 0xae],
  [0xc1, 0xbf],
  [0xc2],
  [0xc2, 0xa9],
  [0xdf, 0xbf],
  [0xe0, 0x80, 0xae],
  [0xe0, 0x9f, 0xbf],
  [0xe0, 0xa0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xed, 0x9f, 0xbf],
  [0xef, 0xbf, 0xbf],
  [0xe2, 0x82],
  [0xf0, 0x80, 0x80, 0xae],
  [0xf0, 0x8f, 0xbf, 0xbf],
  [0xf0, 0x90, 0x80, 0x80],
  [0xf0, 0x9f, 0x98],
  [0xf4, 0x8f, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe],
  [0xff],
  [0xef, 0xbb, 0xbf],
  '"',
  '\\',
  '\\u',
  '\\ud800',
  '\\udc00',
  '\\ud800\\udc00',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  ' ',
  '0',
  '-',
  'e',
  '.',
  'x',
  '\u0000',
  '\u001f',
  '\u007f',
  '\n',
  'true',
  'nul',
  '"a":1',
];

function mutate(buf: Buffer): Buffer {
  let b = buf;
  const times = rnd() < 0.35 ? 0 : 1 + int(3);
  for (let k = 0; k < times; k++) {
    const at = int(b.length + 1);
    const m = int(8);
    if (m <= 2) {
      const ins = pick(INSERTS);
      b = Buffer.concat([b.subarray(0, at), typeof ins === 'string' ? Buffer.from(ins) : Buffer.from(ins), b.subarray(at)]);
    } else if (m === 3 && b.length > 0) {
      const copy = Buffer.from(b);
      copy[Math.min(at, b.length - 1)] = int(256);
      b = copy;
    } else if (m === 4) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else if (m === 5) b = b.subarray(0, at);
    else if (m === 6) b = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]);
    else if (rnd() < 0.3) {
      // A comma just before a closing bracket: [1,] and {"a":1,}.
      const closes = [...b.keys()].filter((k) => b[k] === 0x5d || b[k] === 0x7d);
      const close = closes.length > 0 ? pick(closes) : at;
      b = Buffer.concat([b.subarray(0, close), Buffer.from(','), b.subarray(close)]);
    } else b = Buffer.concat([b, Buffer.from(pick([' x', '{}', '\u0000', ' ', '\n', ',', '1']))]);
  }
  return b;
}

/** The text form of a document: its bytes decoded leniently, sometimes with raw surrogates put in. */
function textOf(buf: Buffer): string {
  let s = buf.toString('utf8');
  if (rnd() < 0.15) {
    const at = int(s.length + 1);
    s = s.slice(0, at) + pick(['\ud800', '\udc00', '\udc00\ud800', '\ud83d\ude00', '\ud83d']) + s.slice(at);
  }
  return s;
}

function limitsFor(len: number): StrictJsonLimits {
  const r = rnd();
  if (r < 0.05) return { maxBytes: Math.max(0, len - int(3)) };
  if (r < 0.1) return { maxDepth: 1 + int(4) };
  return {};
}

const codeOf = (r: { ok: boolean; code?: string }): string => (r.ok ? 'ok' : r.code!);

test('the byte reader decides every generated document as the string reader did: Buffer, Uint8Array and string, same code, same value', () => {
  const seen = new Map<string, number>();
  for (let n = 0; n < 4000; n++) {
    const buf = mutate(Buffer.from(document()));
    const limits = limitsFor(buf.length);
    const label = `#${n} ${JSON.stringify(buf.toString('latin1').slice(0, 120))} ${JSON.stringify(limits)}`;
    const want = oldReadJsonStrict(buf, limits);
    const got = readJsonStrict(buf, limits);
    seen.set(codeOf(want), (seen.get(codeOf(want)) ?? 0) + 1);
    assert.equal(codeOf(got), codeOf(want), label);
    if (got.ok && want.ok) assert.deepEqual(got.value, want.value, label);
    const view = new Uint8Array(buf.length + 2).subarray(1, buf.length + 1);
    view.set(buf);
    assert.equal(codeOf(readJsonStrict(view, limits)), codeOf(want), `Uint8Array ${label}`);

    const text = textOf(buf);
    const wantText = oldReadJsonStrict(text, limits);
    const gotText = readJsonStrict(text, limits);
    if ((text as string & { isWellFormed(): boolean }).isWellFormed()) {
      assert.equal(codeOf(gotText), codeOf(wantText), `string ${label}`);
      if (gotText.ok && wantText.ok) assert.deepEqual(gotText.value, wantText.value, `string ${label}`);
    } else {
      // A lone raw surrogate anywhere: the old reader refused it where it stood (as a
      // lone surrogate in a string, as bad JSON outside one); the byte reader refuses
      // the whole text as lone_surrogate, after only too_large and bom.
      assert.ok(!wantText.ok, `string ${label}`);
      const first = wantText.code === 'too_large' || wantText.code === 'bom' ? wantText.code : 'lone_surrogate';
      assert.equal(codeOf(gotText), first, `string ${label}`);
    }
  }
  // Every decision was made often enough to mean something.
  for (const code of [
    'ok',
    'too_large',
    'invalid_utf8',
    'bom',
    'too_deep',
    'lone_surrogate',
    'duplicate_key',
    'number_precision',
    'trailing_data',
    'invalid_json',
  ])
    assert.ok((seen.get(code) ?? 0) >= 20, `${code}: ${seen.get(code) ?? 0} of 4000 (${JSON.stringify([...seen])})`);
});

test('the paced byte reader decides as the paced string reader did, wherever a step boundary falls', async () => {
  for (let n = 0; n < 400; n++) {
    const doc = mutate(Buffer.from(rnd() < 0.5 ? messageDocument() : document()));
    // Padding in front puts the first step boundary at a random place in the document.
    const buf = Buffer.concat([Buffer.from(' '.repeat(Math.max(0, STEP_BYTES - int(doc.length + 1)))), doc]);
    const label = `#${n} ${JSON.stringify(doc.toString('latin1').slice(0, 120))}`;
    const want = await oldReadJsonRpcStrictPaced(buf, {}, new ScanPace(60_000));
    const got = await readJsonRpcStrictPaced(buf, {}, new ScanPace(60_000));
    assert.equal(codeOf(got), codeOf(want), label);
    if (got.ok && want.ok) {
      assert.equal('noJsonRpc' in got, 'noJsonRpc' in want, label);
      assert.deepEqual(got.value, want.value, label);
    }
  }
});
