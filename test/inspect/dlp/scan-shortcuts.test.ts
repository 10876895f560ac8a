/**
 * Shortcuts of the body scan tested against the plain code they stand for: a regrouped
 * join judged opaque from its token spans before it is built (regroupEach with
 * OpaqueJoins, opaqueHexSpans), the alnum pieces of a run found by looking at each
 * candidate piece's last char first, digit stretches measured and counted in one
 * walk, `0x` prefixes found from their `x`, seed-phrase runs looked for from the
 * pass's probes only (against probing every word), and quoted-printable decoded stretch
 * by stretch (decoder-rewrites.test.ts), hex runs tested for printable bytes window by
 * window from each window's end. Offset maps cut from a shared slab behave as
 * arrays of their own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { regrouped, regroupEach, regroupStarts } from '../../../src/inspect/dlp/regrouped.js';
import { alnumPieces, opaqueHex, opaqueHexSpans, PRINTABLE, RUN_HEX, runKind } from '../../../src/inspect/dlp/run-kinds.js';
import { C_DIGIT, C_LOWER, C_RUN, KeywordIndex } from '../../../src/inspect/dlp/keyword-index.js';
import { indexText } from '../../../src/inspect/dlp/text-index.js';
import { wordRuns } from '../../../src/inspect/dlp/word-runs.js';
import { mapArray } from '../../../src/inspect/dlp/decode.js';
import type { WordRun } from '../../../src/inspect/dlp/word-runs.js';
import { wordlist } from '@scure/bip39/wordlists/english.js';

const rng = (seed: number): (() => number) => {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
};

test('opaqueHexSpans: as opaqueHex of the text its spans join into (odd spans, pairs across them)', () => {
  const rnd = rng(5);
  let opaque = 0;
  let other = 0;
  for (let i = 0; i < 20000; i++) {
    const alphabet = rnd() < 0.5 ? '0123456789abcdef' : rnd() < 0.5 ? '0123456789ABCDEF2345674' : '0123456789abcdefAg-';
    let s = '';
    const len = Math.floor(rnd() * 40);
    for (let k = 0; k < len; k++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    const spans: number[] = [];
    let joined = '';
    for (let at = 0; at < s.length;) {
      const a = at + Math.floor(rnd() * 2);
      const b = Math.min(s.length, a + Math.floor(rnd() * 7));
      if (a >= s.length) break;
      spans.push(a, b);
      joined += s.slice(a, b);
      at = b + Math.floor(rnd() * 2);
    }
    const want = opaqueHex(joined);
    assert.equal(opaqueHexSpans(s, spans, spans.length), want, JSON.stringify([s, spans]));
    if (want) opaque++;
    else other++;
  }
  assert.ok(opaque > 1000 && other > 1000, `both answers were tested (${opaque}, ${other})`);
});

test('regroupEach: the joins it leaves unbuilt are exactly the short opaque ones, in text order with the others', () => {
  const rnd = rng(9);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const hex = (n: number, digits = '0123456789abcdef'): string => Array.from({ length: n }, () => pick([...digits])).join('');
  const printable = Buffer.from('hunter2x').toString('hex');
  const pieces: Array<() => string> = [
    () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`.toUpperCase(),
    () =>
      Buffer.from('AKIAFAKE0000TEST')
        .toString('hex')
        .replace(/(....)(?!$)/g, '$1-'),
    // UUID-shaped: the tail's bytes printable, or mixed case, or a short fifth group
    () => `0c6d${printable.slice(0, 4)}-${printable.slice(4, 8)}-${printable.slice(8, 12)}-${printable.slice(12)}-91f9911dabcd`,
    () => `${hex(8)}-${hex(4)}-${hex(4, '0123456789aBcD')}-${hex(4)}-${hex(12)}`,
    () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(Math.floor(rnd() * 7))}`,
    () => hex(2 + Math.floor(rnd() * 30)).replace(/(..)(?!$)/g, '$1:'),
    () => 'QUtJ QUZB S0Uw MDAw ',
    () => pick([' ', '-', '\n', ',', 'x', '0x', 'the ', 'aB3-']),
  ];
  let unbuilt = 0;
  let built = 0;
  for (let i = 0; i < 3000; i++) {
    let s = '';
    while (s.length < 300 * rnd()) s += pick(pieces)();
    const below = pick([5, 17, 24, Infinity]);
    const starts = regroupStarts(s, []);
    const want = regrouped(s, starts).map((g) =>
      g.text.length < below && opaqueHex(g.text) ? ['opaque', g.text.length, g.map[0], g.end] : ['join', g.text, g.start, g.end],
    );
    const got: unknown[] = [];
    regroupEach(s, starts, (g) => got.push(['join', g.text, g.start, g.end]), { below, onOpaque: (len, first, end) => got.push(['opaque', len, first, end]) });
    assert.deepEqual(got, want, JSON.stringify(s));
    for (const g of want) if (g[0] === 'opaque') unbuilt++;
    built += want.length;
  }
  assert.ok(unbuilt > 1000 && built - unbuilt > 1000, `both kinds of join were tested (${unbuilt} of ${built})`);
});

test('alnumPieces: the pieces of minPiece+ chars that a char-by-char walk finds, with their hex flags', () => {
  const rnd = rng(13);
  const { pair } = new KeywordIndex([], []);
  let pieces = 0;
  for (let i = 0; i < 20000; i++) {
    const alphabet = pick(rnd, ['abcdef0123456789-', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'aZ09-_+/fg', 'abcdef012-_']);
    const n = Math.floor(rnd() * 120);
    const buf = Buffer.alloc(((n + 16 + 7) & ~7) + 8);
    for (let k = 0; k < n; k++) buf[k] = alphabet.charCodeAt(Math.floor(rnd() * alphabet.length));
    const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
    const s = Math.floor(rnd() * Math.min(n, 6));
    const e = n - Math.floor(rnd() * Math.min(n - s, 6));
    const minPiece = 1 + Math.floor(rnd() * 20);
    const every: number[] = [];
    alnumPieces(buf, words, pair, s, e, 0, every);
    const want: number[] = [];
    for (let r = 0; r < every.length; r += 3) if ((every[r + 1] as number) - (every[r] as number) >= minPiece) want.push(...every.slice(r, r + 3));
    const got: number[] = [];
    alnumPieces(buf, words, pair, s, e, minPiece, got);
    assert.deepEqual(got, want, JSON.stringify([buf.subarray(0, n).toString('latin1'), s, e, minPiece]));
    pieces += want.length / 3;
  }
  assert.ok(pieces > 5000, `pieces were found (${pieces})`);
});

test('digit stretches: each maximal run of digits, spaces and dashes over a whole aligned word, with 8+ digits', () => {
  const rnd = rng(21);
  const ki = new KeywordIndex([], []);
  let stretches = 0;
  for (let i = 0; i < 5000; i++) {
    const n = Math.floor(rnd() * 90);
    let s = '';
    for (let k = 0; k < n; k++) s += pick(rnd, [...'0123456789', ' ', '-', 'x', '.']);
    const want: number[] = [];
    const re = /[0-9 -]+/g;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      const a = m.index;
      const b = a + m[0].length;
      const whole = ((a + 3) & ~3) + 4 <= b;
      if (whole && m[0].replace(/[ -]/g, '').length >= 8) want.push(a, b);
    }
    assert.deepEqual(indexText(ki, s, 15, false, false, false).digits, want, JSON.stringify(s));
    stretches += want.length / 2;
  }
  assert.ok(stretches > 1000, `stretches were found (${stretches})`);
});

/** The `0x` / `0X` starts found from every `x` and `X` with a char loop (regroupStarts searches the `x`s with indexOf). */
function refPrefixStarts(s: string): number[] {
  const hex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
  const sep = (c: number): boolean => ' \t\r\n,:;.|-'.includes(String.fromCharCode(c));
  const starts: number[] = [];
  let k = 0;
  let lower = -2;
  let upper = -2;
  for (;;) {
    if (lower !== -1 && lower <= k) lower = s.indexOf('x', k + 1);
    if (upper !== -1 && upper <= k) upper = s.indexOf('X', k + 1);
    const x = lower < 0 ? upper : upper < 0 ? lower : Math.min(lower, upper);
    if (x < 0) break;
    const i = x - 1;
    if (s.charCodeAt(i) !== 48 || !hex(s.charCodeAt(i + 2)) || !hex(s.charCodeAt(i + 3))) {
      k = i + 1;
      continue;
    }
    starts.push(i);
    k = i + 4;
    while (k < s.length && (hex(s.charCodeAt(k)) || sep(s.charCodeAt(k)) || s.charCodeAt(k) === 120)) k++;
  }
  return starts;
}

test('regroupStarts: the 0x / 0X prefixes, as found from every x and X', () => {
  const rnd = rng(33);
  let found = 0;
  for (let i = 0; i < 20000; i++) {
    const n = Math.floor(rnd() * 60);
    let s = '';
    for (let k = 0; k < n; k++) s += pick(rnd, [...'00xxXX4aF9g ,-q']);
    const want = refPrefixStarts(s);
    assert.deepEqual(regroupStarts(s, [], []), want, JSON.stringify(s));
    found += want.length;
  }
  assert.ok(found > 2000, `prefixes were found (${found})`);
});

test('regroupStarts: the 0x / 0X prefixes from the positions the index passes (zeroX), as its search from every x and X finds them', () => {
  const rnd = rng(35);
  let found = 0;
  for (let i = 0; i < 20000; i++) {
    const n = Math.floor(rnd() * 60);
    let s = '';
    // '\u0130' and '\u0178' have the low bytes of '0' and 'x': the index's bytes see a '0x' the text does not hold
    for (let k = 0; k < n; k++) s += pick(rnd, [...'00xxXX4aF9g ,-q\u0130\u0178']);
    // (the search, not refPrefixStarts: its skip past a sequence reads a char's low byte, as the parse does)
    const want = regroupStarts(s, [], []);
    // what the index hands over: every position whose low bytes read '0' then 'x' or 'X' (a superset of the real ones)
    const zeroX: number[] = [];
    for (let k = 0; k + 1 < n; k++) if ((s.charCodeAt(k) & 255) === 48 && ((s.charCodeAt(k + 1) & 255) | 0x20) === 120) zeroX.push(k);
    assert.deepEqual(regroupStarts(s, [], [], zeroX), want, JSON.stringify(s));
    // and from every position: what is not a '0x' is passed over
    assert.deepEqual(
      regroupStarts(
        s,
        [],
        [],
        Array.from({ length: n }, (_, k) => k),
      ),
      want,
      JSON.stringify(s),
    );
    found += want.length;
  }
  assert.ok(found > 1000, `prefixes were found (${found})`);
  // the index's zeroX of a text is those positions
  const ki = new KeywordIndex(['ghp_'], []);
  const t = 'a 0x4b, 0X4B 0x 00x1 x0xq ' + '0'.repeat(30) + 'x';
  assert.deepEqual(indexText(ki, t, 15, true, true, true).zeroX, [2, 8, 13, 17, 22, t.length - 2]);
});

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)] as T;
}

test("wordRuns: the runs found from the pass's probes are those found by probing every word", () => {
  const rnd = rng(41);
  const ki = new KeywordIndex(['akia'], []);
  const seps = [' ', ',', ', ', '\n', '\r\n', ',\n', '\t', '+', '  ', '. ', ',,', '\r\r', ' ,'];
  const noise = ['the', 'a', 'and', 'abandonx', 'xabout', '4', 'ABOUT', 'Zoo', 'ab', '-', '"'];
  let found = 0;
  for (let i = 0; i < 3000; i++) {
    let s = '';
    const parts = Math.floor(rnd() * 120);
    for (let k = 0; k < parts; k++) {
      const r = rnd();
      let w = r < 0.8 ? (wordlist[Math.floor(rnd() * wordlist.length)] as string) : pick(rnd, noise);
      if (rnd() < 0.1) w = w.toUpperCase();
      s += w + (rnd() < 0.85 ? ' ' : pick(rnd, seps));
    }
    const n = s.length;
    const bytes = Buffer.alloc(n + 32);
    bytes.write(s, 'latin1');
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    const m = (n + 3) >>> 2;
    const want: WordRun[] = [];
    wordRuns(
      bytes,
      words,
      n,
      Int32Array.from({ length: m }, (_, j) => j),
      m,
      want,
    );
    assert.deepEqual(indexText(ki, s, 15, false, true, false).wordRuns, want, JSON.stringify(s));
    found += want.length;
  }
  assert.ok(found > 300, `runs were found (${found})`);
});

test('mapArray: zeroed maps of the length asked, each its own (across slabs, and past the slab size)', () => {
  const rnd = rng(43);
  const maps: Array<[Int32Array, number]> = [];
  for (let i = 0; i < 3000; i++) {
    const n = rnd() < 0.02 ? 16384 + Math.floor(rnd() * 4000) : Math.floor(rnd() * 300);
    const map = mapArray(n);
    assert.equal(map.length, n);
    assert.ok(
      map.every((v) => v === 0),
      'zeroed',
    );
    map.fill(i + 1);
    maps.push([map, i + 1]);
  }
  for (const [map, v] of maps)
    assert.ok(
      map.every((x) => x === v),
      'no map shares entries with another',
    );
});

/** 8 printable ASCII bytes in a row in the hex chars [s, e), one byte at a time. */
function refHexPrintable(b: Uint8Array, s: number, e: number): boolean {
  let run = 0;
  for (let k = s; k + 1 < e; k += 2) {
    const v = parseInt(String.fromCharCode(b[k] as number, b[k + 1] as number), 16);
    run = v >= 0x20 && v <= 0x7e ? run + 1 : 0;
    if (run >= 8) return true;
  }
  return false;
}

test('runKind: a hex run is PRINTABLE exactly when a byte-by-byte walk finds 8 printable bytes in a row', () => {
  const rnd = rng(47);
  let printable = 0;
  let other = 0;
  for (let i = 0; i < 20000; i++) {
    let s = '';
    const parts = Math.floor(rnd() * 12);
    for (let k = 0; k < parts; k++) {
      const r = rnd();
      if (r < 0.4) s += Buffer.from(Array.from({ length: Math.floor(rnd() * 9) }, () => 0x20 + Math.floor(rnd() * 95))).toString('hex');
      else if (r < 0.5) s += pick(rnd, ['7f', '7e', '20', '1f', '80']);
      else s += Array.from({ length: Math.floor(rnd() * 20) }, () => pick(rnd, [...'0123456789abcdef'])).join('');
    }
    const b = Buffer.from(`xx${s}yy`, 'latin1');
    const e = 2 + s.length;
    const want = s.length >= 16 && refHexPrintable(b, 2, e) ? RUN_HEX | PRINTABLE : RUN_HEX;
    assert.equal(runKind(b, 2, e, e, C_RUN | C_DIGIT | C_LOWER), want, s);
    if (want & PRINTABLE) printable++;
    else other++;
  }
  assert.ok(printable > 2000 && other > 2000, `both answers were tested (${printable}, ${other})`);
});
