/**
 * Encoded data cut into equal groups: base64 wrapped at any line width (`base64` wraps
 * at 76, PEM at 64, CRLF or LF) or split into groups (`QUtJ QUZB ...`), hex pairs with
 * separators (`de:ad`, `DE AD`, `de,ad`, `0xde, 0xad`, `0xDE0xAD`). The groups are
 * joined (separators and `0x` prefixes dropped) into one run, which the next layer
 * decodes as base64, base32 or hex like any other.
 *
 * What makes a sequence: three or more tokens of the alphabet, each the same length
 * (the last may be shorter), with the same separator (and prefix) between each, 16+
 * characters in all; or two lines, the first 16+ long, broken by white space (a
 * header's folded line). The joined text is only decoded, never matched by patterns. Prose fails at the first word of another length; a wrapped blob
 * or a hex dump does not. One pass, each char looked at a bounded number of times.
 *
 * @example
 * regrouped('k=de:ad:be:ef:00:11:22:33:44') // [{ text: 'deadbeef0011223344', map, start: 2, end: 28 }]
 */
import { mapArray, type Mapped } from './decode.js';
import { opaqueHexSpans } from './run-kinds.js';

export interface Regroup extends Mapped {
  /** The raw span the joined text came from. */
  start: number;
  end: number;
}

/** Per byte, 1 when of the group alphabet (BODY), a separator (SEP), a hex digit (HEX); also read by wasm/index-pass.wat's gaps. */
export const BODY = new Uint8Array(256);
const SEP = new Uint8Array(256);
export const HEX = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9+/_=]/.test(ch)) BODY[c] = 1;
  if (/[ \t\r\n,:;.|-]/.test(ch)) SEP[c] = 1;
  if (/[0-9A-Fa-f]/.test(ch)) HEX[c] = 1;
}
const MIN_TOTAL = 16;
const MIN_TOKENS = 3;
const MAX_SEP = 3;

/** Length of the `0x` / `\x` prefix at `i`, or 0. */
function prefixAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  const x = s.charCodeAt(i + 1);
  if ((c === 48 || c === 92) && (x === 120 || x === 88) && HEX[s.charCodeAt(i + 2) & 255] === 1 && s.charCodeAt(i + 2) < 256) return 2;
  return 0;
}

/** End of the token body starting at `i` (hex digits only after a prefix, and never into the next `0x`). */
function bodyEnd(s: string, i: number, prefixed: boolean): number {
  let j = i;
  const n = s.length;
  if (prefixed) {
    while (j < n && s.charCodeAt(j) < 256 && HEX[s.charCodeAt(j)] === 1) {
      if (j - i >= 2 && prefixAt(s, j) > 0) break;
      j++;
    }
    return j;
  }
  while (j < n && s.charCodeAt(j) < 256 && BODY[s.charCodeAt(j)] === 1) {
    // '=' is padding only at the end of a token: `key=value` is two words, not one
    if (s.charCodeAt(j) === 61 && j + 1 < n && s.charCodeAt(j + 1) !== 61 && BODY[s.charCodeAt(j + 1) & 255] === 1) break;
    j++;
  }
  return j;
}

/**
 * Where a sequence may start: a run of the index (`runs`, flat [start, end, ...]) that
 * a separator joins to more of the alphabet (a wrapped line); a `0x` prefix; and the
 * starts `gapStarts` finds (`gaps`: already found by the index's word pass; without
 * them every separator of `s` is tested).
 */
export function regroupStarts(s: string, runs: readonly number[], gaps?: readonly number[], zeroX?: readonly number[]): number[] {
  const starts: number[] = [];
  for (let r = 0; r < runs.length; r += 2) {
    const e = runs[r + 1] as number;
    let k = e;
    while (k < s.length && k - e < MAX_SEP && SEP[s.charCodeAt(k) & 255] === 1 && s.charCodeAt(k) < 256) k++;
    if (k > e && k < s.length && BODY[s.charCodeAt(k) & 255] === 1) starts.push(runs[r] as number);
  }
  const split = starts.length;
  // `0x` / `0X` prefixes: from the index's zeroX when given, else searched for
  if (zeroX !== undefined) zeroXStarts(s, zeroX, starts);
  else searchZeroX(s, starts);
  const split2 = starts.length;
  if (gaps === undefined) {
    const b = Uint8Array.from(s, (ch) => (ch.charCodeAt(0) < 256 ? ch.charCodeAt(0) : 0));
    const every = Int32Array.from({ length: (s.length + 3) >>> 2 }, (_, j) => j);
    gapStarts(b, s.length, every, every.length, starts);
  } else for (const g of gaps) starts.push(g);
  // three lists, each almost always in text order already (runs, prefixes, gaps): merged then
  if (inOrder(starts, 0, split) && inOrder(starts, split, split2) && inOrder(starts, split2, starts.length)) return merge3(starts, split, split2);
  return starts.sort((x, y) => x - y);
}

/**
 * regroupStarts' `0x` / `0X` prefixes, found from their `x` with indexOf (a native search;
 * `x` is rarer than `0`, which a search for `0x` stops at, and common in JSON); the next
 * of each case kept until passed. Candidates start at k or later.
 */
function searchZeroX(s: string, starts: number[]): void {
  let k = 0;
  let lower = -2;
  let upper = -2;
  for (;;) {
    if (lower !== -1 && lower <= k) lower = s.indexOf('x', k + 1);
    if (upper !== -1 && upper <= k) upper = s.indexOf('X', k + 1);
    const x = lower < 0 ? upper : upper < 0 ? lower : Math.min(lower, upper);
    if (x < 0) break;
    const i = x - 1;
    if (s.charCodeAt(i) !== 48 || !hexPair(s, i + 2)) {
      k = i + 1;
      continue;
    }
    starts.push(i);
    // one start per sequence: the parse reads the rest
    k = i + 4;
    while (k < s.length && (HEX[s.charCodeAt(k) & 255] === 1 || SEP[s.charCodeAt(k) & 255] === 1 || s.charCodeAt(k) === 120)) k++;
  }
}

/**
 * The same starts from `zeroX`: the positions (in order) where a '0' may stand before an
 * 'x' or 'X' (the index's word pass found them); an 'x' after no '0' never starts one.
 */
function zeroXStarts(s: string, zeroX: readonly number[], starts: number[]): void {
  let k = 0;
  for (const i of zeroX) {
    if (i < k) continue;
    const x = s.charCodeAt(i + 1);
    if (s.charCodeAt(i) !== 48 || (x !== 120 && x !== 88) || !hexPair(s, i + 2)) continue;
    starts.push(i);
    // one start per sequence: the parse reads the rest
    k = i + 4;
    while (k < s.length && (HEX[s.charCodeAt(k) & 255] === 1 || SEP[s.charCodeAt(k) & 255] === 1 || s.charCodeAt(k) === 120)) k++;
  }
}

function inOrder(xs: readonly number[], from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) if ((xs[i] as number) < (xs[i - 1] as number)) return false;
  return true;
}

/** `a[0, p)`, `a[p, q)` and `a[q, ..)`, each in order, merged into one list in order. */
function merge3(a: readonly number[], p: number, q: number): number[] {
  const out = new Array<number>(a.length);
  let i = 0;
  let j = p;
  let k = q;
  for (let o = 0; o < out.length; o++) {
    const x = i < p ? (a[i] as number) : Infinity;
    const y = j < q ? (a[j] as number) : Infinity;
    const z = k < a.length ? (a[k] as number) : Infinity;
    if (x <= y && x <= z) {
      out[o] = x;
      i++;
    } else if (y <= z) {
      out[o] = y;
      j++;
    } else {
      out[o] = z;
      k++;
    }
  }
  return out;
}

/** Separators of groups: hex pairs take all five, base64 groups (4 to 8 chars) only space, dash or tab. */
export const GAP_SEP = new Uint8Array(256);
for (const ch of ' -\t:,') GAP_SEP[ch.charCodeAt(0)] = ch === ':' || ch === ',' ? 1 : 2;

/**
 * Starts of two equal tokens in a row between one separator character (hex pairs, or
 * base64 groups of 4 to 8 chars with an upper-case letter or digit): the first of them
 * (or the token before it, when as long), unless the token before is an equal one
 * (the sequence started earlier), in `b` (the text's bytes, `n` of them).
 *
 * Only the separators in `words` (aligned 4-byte words, `count` of them) are tested,
 * each by a bounded local test: text-index.ts marks in its word pass the words that
 * may hold the separator between two such tokens (only hex digits and separators, with
 * one; or a group separator with an upper-case letter or digit within two words on
 * each side, as two such groups each hold one), so prose costs next to nothing here.
 */
export function gapStarts(b: Uint8Array, n: number, words: ArrayLike<number>, count: number, out: number[]): void {
  for (let w = 0; w < count; w++) {
    const p0 = 4 * (words[w] as number);
    const p1 = p0 + 4 < n ? p0 + 4 : n;
    for (let p = p0; p < p1; p++) if (GAP_SEP[b[p] as number] !== 0) gapStartAt(b, n, p, out);
  }
}

/** The separator at `p` between two equal tokens (`c T1 c T2 c`, or T2 ending the text). */
function gapStartAt(b: Uint8Array, n: number, p: number, out: number[]): void {
  const c = b[p] as number;
  // hex pairs: c h h c h h (c | end)
  if (p >= 3 && b[p - 3] === c && hexBytes(b, p - 2) && p + 2 < n && hexBytes(b, p + 1) && (p + 3 === n || b[p + 3] === c)) {
    if (!(p >= 6 && b[p - 6] === c && hexBytes(b, p - 5))) out.push(groupStart(b, p - 2, 2));
    return;
  }
  if (GAP_SEP[c] !== 2) return;
  // base64 groups of 4 to 8: the token before p fixes the length
  let q = p - 1;
  while (q >= 0 && p - 1 - q <= 8 && BODY[b[q] as number] === 1) q--;
  const len = p - 1 - q;
  if (len < 4 || len > 8 || q < 0 || b[q] !== c) return;
  const e2 = p + 1 + len;
  if (e2 > n || (e2 < n && b[e2] !== c)) return;
  if (!groupBytes(b, q + 1, p) || !groupBytes(b, p + 1, e2)) return;
  const q0 = q - len - 1;
  if (q0 >= 0 && b[q0] === c && groupBytes(b, q0 + 1, q)) return;
  out.push(groupStart(b, q + 1, len));
}

function hexBytes(b: Uint8Array, i: number): boolean {
  return HEX[b[i] as number] === 1 && HEX[b[i + 1] as number] === 1;
}

/** Base64 chars with an upper-case letter or a digit among them (prose words have neither, mostly). */
function groupBytes(b: Uint8Array, s: number, e: number): boolean {
  let marked = false;
  for (let i = s; i < e; i++) {
    const c = b[i] as number;
    if (BODY[c] !== 1) return false;
    if ((c >= 65 && c <= 90) || (c >= 48 && c <= 57)) marked = true;
  }
  return marked;
}

/**
 * The sequence may begin with a token before the first separator: the `len` chars
 * before it, when they are of the alphabet (even as the tail of a longer word: a
 * first group glued to the word before must not hide the sequence).
 */
function groupStart(b: Uint8Array, st: number, len: number): number {
  let k = st - 2;
  while (k >= 0 && st - 1 - k <= len && BODY[b[k] as number] === 1) k--;
  return st - 2 - k === len ? k + 1 : st;
}

function hexPair(s: string, i: number): boolean {
  return HEX[s.charCodeAt(i) & 255] === 1 && HEX[s.charCodeAt(i + 1) & 255] === 1 && s.charCodeAt(i) < 256 && s.charCodeAt(i + 1) < 256;
}

/** Every regrouped sequence in `s` (a byte string) that begins at one of `starts` (sorted; default: anywhere). */
export function regrouped(s: string, starts?: readonly number[]): Regroup[] {
  const out: Regroup[] = [];
  regroupEach(s, starts, (g) => out.push(g));
  return out;
}

/**
 * Joins too short to hold a known secret (`below`: the shortest needle's length) that
 * are one-case hex of opaque bytes (run-kinds.ts opaqueHexSpans: a UUID's last four
 * groups) hold nothing a scan could find: they are only measured, never built.
 */
export interface OpaqueJoins {
  below: number;
  /** Such a join: its length and raw span (its first char's offset, its end). */
  onOpaque(length: number, first: number, end: number): void;
}

/** regrouped's sequences to `onJoin`, in text order; with `opaque`, the joins it describes go to its `onOpaque` instead, in the same order. */
export function regroupEach(s: string, starts: readonly number[] | undefined, onJoin: (g: Regroup) => void, opaque?: OpaqueJoins): void {
  const n = s.length;
  let i = 0;
  let next = 0;
  while (i < n) {
    if (starts !== undefined) {
      while (next < starts.length && (starts[next] as number) < i) next++;
      if (next >= starts.length) break;
      i = starts[next++] as number;
      // a start found by its gaps may sit on the separator (`, 0x4b`)
      for (let k = 0; k < MAX_SEP && i < n && SEP[s.charCodeAt(i) & 255] === 1 && s.charCodeAt(i) < 256; k++) i++;
    }
    const c = s.charCodeAt(i);
    if (c >= 256 || (BODY[c] !== 1 && c !== 92)) {
      i++;
      continue;
    }
    // a UUID's last four groups (the commonest join): known without the general parse
    if (opaque !== undefined && UUID_JOIN < opaque.below && opaqueUuidTail(s, i)) {
      opaque.onOpaque(UUID_JOIN, i, i + 19);
      i += 19;
      continue;
    }
    // the first token fixes the prefix, the length and the separator
    const pre = prefixAt(s, i);
    const b0 = i + pre;
    const e0 = bodyEnd(s, b0, pre > 0);
    const len = e0 - b0;
    if (len < 2) {
      i = Math.max(e0, i + 1);
      continue;
    }
    let k = e0;
    while (k < n && k - e0 < MAX_SEP && SEP[s.charCodeAt(k) & 255] === 1 && s.charCodeAt(k) < 256) k++;
    const sepLen = k - e0;
    if (sepLen === 0 && pre === 0) {
      i = e0;
      continue;
    }
    // flat [start, end, ...] of the token bodies
    const bodies = [b0, e0];
    let total = len;
    let at = k;
    let end = e0;
    for (;;) {
      if (pre > 0 && prefixAt(s, at) !== pre) break;
      const bs = at + pre;
      const be = bodyEnd(s, bs, pre > 0);
      const l = be - bs;
      if (l === 0 || l > len) break;
      bodies.push(bs, be);
      total += l;
      end = be;
      if (l < len || !sameAt(s, e0, be, sepLen) || (sepLen === 0 && prefixAt(s, be) === 0)) break;
      at = be + sepLen;
    }
    const tokens = bodies.length >>> 1;
    // two lines are enough when they are wrapped lines: the first long, broken at a newline
    const wrapped = tokens === 2 && len >= MIN_TOTAL && allSpace(s, e0, k);
    if ((tokens >= MIN_TOKENS || wrapped) && total >= MIN_TOTAL) {
      const st = i;
      i = end;
      if (opaque !== undefined && total < opaque.below && opaqueHexSpans(s, bodies, bodies.length)) {
        opaque.onOpaque(total, b0, end);
        continue;
      }
      let text = '';
      const map = mapArray(total);
      let o = 0;
      for (let t = 0; t < bodies.length; t += 2) {
        const a = bodies[t] as number;
        const b = bodies[t + 1] as number;
        text += s.slice(a, b);
        for (let p = a; p < b; p++) map[o++] = p;
      }
      onJoin({ text, map, start: st, end });
    } else i = e0;
  }
}

/** What a UUID's last four groups join into: 16 chars. */
const UUID_JOIN = 16;
/** Per byte: 1 a digit, 2 a-f, 4 A-F, else 0. */
const UUID_CHAR = (() => {
  const t = new Uint8Array(256);
  for (let c = 48; c <= 57; c++) t[c] = 1;
  for (let c = 0; c < 6; c++) {
    t[97 + c] = 2;
    t[65 + c] = 4;
  }
  return t;
})();

/**
 * `s` at `i` is `hhhh-hhhh-hhhh-hhhh-hhhhh` (hex digits h): the general parse would
 * join exactly the four groups of four (the fifth, longer, ends the sequence) into 16
 * chars, span [i, i + 19). True when that join is one-case hex whose 8 bytes are not
 * all printable (opaqueHexSpans' answer for it); otherwise the general parse decides.
 */
function opaqueUuidTail(s: string, i: number): boolean {
  if (i + 25 > s.length) return false;
  let cases = 0;
  let printable = 0;
  for (let g = 0; g < 4; g++) {
    const a = i + 5 * g;
    if (s.charCodeAt(a + 4) !== 45) return false;
    for (let k = a; k < a + 4; k += 2) {
      const hi = s.charCodeAt(k);
      const lo = s.charCodeAt(k + 1);
      const f = hi < 256 ? (UUID_CHAR[hi] as number) : 0;
      const h = lo < 256 ? (UUID_CHAR[lo] as number) : 0;
      if (f === 0 || h === 0) return false;
      cases |= f | h;
      const v = (hexValue(hi) << 4) | hexValue(lo);
      if (v >= 0x20 && v <= 0x7e) printable++;
    }
  }
  for (let k = i + 20; k < i + 25; k++) {
    const c = s.charCodeAt(k);
    if (c >= 256 || UUID_CHAR[c] === 0) return false;
  }
  return (cases & 6) !== 6 && printable < 8;
}

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

/** `s[b, b + len)` equals `s[a, a + len)` (the first separator, without a copy of it). */
function sameAt(s: string, a: number, b: number, len: number): boolean {
  if (b + len > s.length) return false;
  for (let k = 0; k < len; k++) if (s.charCodeAt(a + k) !== s.charCodeAt(b + k)) return false;
  return true;
}

/** Every char of `s[a, b)` is white space (`\s` of the separators: space, tab, CR, LF); false when empty. */
function allSpace(s: string, a: number, b: number): boolean {
  for (let k = a; k < b; k++) {
    const c = s.charCodeAt(k);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false;
  }
  return b > a;
}
