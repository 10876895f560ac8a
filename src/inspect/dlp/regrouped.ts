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
import type { Mapped } from './decode.js';

export interface Regroup extends Mapped {
  /** The raw span the joined text came from. */
  start: number;
  end: number;
}

const BODY = new Uint8Array(256);
const SEP = new Uint8Array(256);
const HEX = new Uint8Array(256);
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

const GROUP_SEPS = [' ', '-', '\t', ':', ','];

/**
 * Where a sequence may start: a run of the index (`runs`, flat [start, end, ...]) that
 * a separator joins to more of the alphabet (a wrapped line); a `0x` prefix; and two
 * equal gaps (2 to 8 chars) in a row between spaces, dashes, tabs, colons or commas
 * (found with indexOf, so prose costs one step per word, and a word is read only when
 * the next is as long): hex pairs and base64 groups.
 */
export function regroupStarts(s: string, runs: readonly number[]): number[] {
  const starts: number[] = [];
  for (let r = 0; r < runs.length; r += 2) {
    const e = runs[r + 1] as number;
    let k = e;
    while (k < s.length && k - e < MAX_SEP && SEP[s.charCodeAt(k) & 255] === 1 && s.charCodeAt(k) < 256) k++;
    if (k > e && k < s.length && BODY[s.charCodeAt(k) & 255] === 1) starts.push(runs[r] as number);
  }
  // `0x` / `0X` prefixes: found with indexOf (a native pattern tries every position),
  // the next of each kept until passed
  let k = 0;
  let lower = -2;
  let upper = -2;
  for (;;) {
    if (lower !== -1 && lower < k) lower = s.indexOf('0x', k);
    if (upper !== -1 && upper < k) upper = s.indexOf('0X', k);
    const i = lower < 0 ? upper : upper < 0 ? lower : Math.min(lower, upper);
    if (i < 0) break;
    if (!hexPair(s, i + 2)) {
      k = i + 1;
      continue;
    }
    starts.push(i);
    // one start per sequence: the parse reads the rest
    k = i + 4;
    while (k < s.length && (HEX[s.charCodeAt(k) & 255] === 1 || SEP[s.charCodeAt(k) & 255] === 1 || s.charCodeAt(k) === 120)) k++;
  }
  for (const sep of GROUP_SEPS) {
    // hex pairs take any of the separators; base64 groups (4 to 8) only space, dash or tab
    const groups = sep === ' ' || sep === '-' || sep === '\t';
    let prev = s.indexOf(sep);
    let gap = -1;
    let streak = 0;
    // A gap is tested (tokenOk) only when the next one has its length: in prose few
    // neighbouring words are of one length. Until then `pending` holds where it starts
    // (its streak is 1 if it is a token, else 0).
    let pending = -1;
    while (prev >= 0) {
      const q = s.indexOf(sep, prev + 1);
      const len = (q < 0 ? s.length : q) - prev - 1;
      const shaped = len === 2 || (groups && len >= 4 && len <= 8);
      if (!shaped) {
        streak = 0;
        pending = -1;
      } else if (len !== gap) {
        pending = prev + 1;
      } else {
        if (pending >= 0) streak = tokenOk(s, pending, len) ? 1 : 0;
        pending = -1;
        if (!tokenOk(s, prev + 1, len)) streak = 0;
        else if (++streak === 2) {
          // the sequence may begin with a token before the first of these separators
          let st = prev - len;
          let k = st - 2;
          while (k >= 0 && st - 1 - k <= len && BODY[s.charCodeAt(k) & 255] === 1) k--;
          if (st - 2 - k === len) st = k + 1;
          starts.push(st);
        }
      }
      gap = len;
      prev = q;
    }
  }
  return starts.sort((a, b) => a - b);
}

/** A token of `len` (2: a hex pair; 4 to 8: an encoded group) at `a`. */
function tokenOk(s: string, a: number, len: number): boolean {
  return len === 2 ? hexPair(s, a) : encodedGroup(s, a, a + len);
}

function hexPair(s: string, i: number): boolean {
  return HEX[s.charCodeAt(i) & 255] === 1 && HEX[s.charCodeAt(i + 1) & 255] === 1 && s.charCodeAt(i) < 256 && s.charCodeAt(i + 1) < 256;
}

/** A group of base64 characters with an upper-case letter or a digit in it (prose words have neither, mostly). */
function encodedGroup(s: string, a: number, b: number): boolean {
  let marked = false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c >= 256 || BODY[c] !== 1) return false;
    if ((c >= 65 && c <= 90) || (c >= 48 && c <= 57)) marked = true;
  }
  return marked;
}

/** Every regrouped sequence in `s` (a byte string) that begins at one of `starts` (sorted; default: anywhere). */
export function regrouped(s: string, starts?: readonly number[]): Regroup[] {
  const out: Regroup[] = [];
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
    const sep = s.slice(e0, k);
    if (sep.length === 0 && pre === 0) {
      i = e0;
      continue;
    }
    const bodies: Array<[number, number]> = [[b0, e0]];
    let at = k;
    let end = e0;
    for (;;) {
      if (pre > 0 && prefixAt(s, at) !== pre) break;
      const bs = at + pre;
      const be = bodyEnd(s, bs, pre > 0);
      const l = be - bs;
      if (l === 0 || l > len) break;
      bodies.push([bs, be]);
      end = be;
      if (l < len || !s.startsWith(sep, be) || (sep.length === 0 && prefixAt(s, be) === 0)) break;
      at = be + sep.length;
    }
    const total = bodies.reduce((t, [a, b]) => t + b - a, 0);
    // two lines are enough when they are wrapped lines: the first long, broken at a newline
    const wrapped = bodies.length === 2 && len >= MIN_TOTAL && /^\s+$/.test(sep);
    if ((bodies.length >= MIN_TOKENS || wrapped) && total >= MIN_TOTAL) {
      let text = '';
      const map = new Int32Array(total);
      let o = 0;
      for (const [a, b] of bodies) {
        text += s.slice(a, b);
        for (let p = a; p < b; p++) map[o++] = p;
      }
      out.push({ text, map, start: i, end });
      i = end;
    } else i = e0;
  }
  return out;
}
