/**
 * Deciding how to decode what the index found: which base64-alphabet runs are hex,
 * delimited hex, base64 or base64url (and which are just words or paths), whether
 * their decoded bytes hold text (tested on the index's bytes, without decoding), their
 * alphanumeric pieces, and where the percent-encoded spans are.
 *
 * @example
 * classifyRun('QUtJQUlPU0ZPRE5ON0VYQU1QTEU=') // 'base64'
 * classifyRun('/usr/local/lib/node_modules')  // undefined
 */
import { CLS, C_DASH, C_DIGIT, C_LOWER, C_NONHEX, C_PLUS_SLASH, C_UNDERSCORE, C_UPPER, P_ALNUM2 } from './keyword-index.js';

/** How a run decodes (runKind: classifyRun's answer from the run's character classes). */
export const RUN_NONE = 0;
export const RUN_HEX = 1;
/** Only hex digits and '-', length 3k+2: hex-delimited if it has the exact shape (checked by the decoder). */
export const RUN_HEX_DASHED = 2;
export const RUN_BASE64 = 3;
export const RUN_BASE64URL = 4;
export const RUN_KIND = 7;
/** The run's decoded bytes contain 8 printable ASCII in a row (set for hex and base64 kinds). */
export const PRINTABLE = 8;
/** A hex run with both letter cases (set for RUN_HEX; a store value may be hex in the other case). */
export const MIXED_CASE = 16;

const PRINTABLE_RUN = 8;

/** Base64 and base64url values (Node decodes both alphabets in 'base64'). */
/** (B64V, HEXV, HEX_HI_PRINTABLE, B64_GROUP are also read by wasm/index-pass.wat's runs.) */
export const B64V = (() => {
  const t = new Uint8Array(256);
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) t[a.charCodeAt(i)] = i;
  t[45] = 62;
  t[95] = 63;
  return t;
})();
export const HEXV = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[65 + i] = 10 + i;
    t[97 + i] = 10 + i;
  }
  return t;
})();

/** How a 16+ char run should be decoded, if at all. */
export function classifyRun(run: string): 'hex' | 'hex-delimited' | 'base64' | 'base64url' | undefined {
  if (/^[0-9A-Fa-f]+$/.test(run)) return 'hex';
  if (/^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7,}$/.test(run)) return 'hex-delimited';
  const upper = /[A-Z]/.test(run) ? 1 : 0;
  const lower = /[a-z]/.test(run) ? 1 : 0;
  const digit = /[0-9]/.test(run) ? 1 : 0;
  // paths, identifiers and words are one or two classes; encoded bytes use all three
  if (upper + lower + digit < 2 || (upper === 0 && lower === 1)) return undefined;
  return /[-_]/.test(run) ? 'base64url' : 'base64';
}

/** Maximal spans around `%XX` escapes, split at characters that separate URL parts. */
export function percentRuns(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = text.indexOf('%');
  while (i >= 0) {
    let s = i;
    while (s > 0 && !isRunBreak(text.charCodeAt(s - 1))) s--;
    let e = i;
    while (e < text.length && !isRunBreak(text.charCodeAt(e))) e++;
    if (e > s) out.push([s, e]);
    i = text.indexOf('%', e + 1);
  }
  return out;
}

function isRunBreak(c: number): boolean {
  // whitespace, quotes, angle brackets, and the URL/form separators & = ? #
  return c <= 32 || c === 34 || c === 39 || c === 60 || c === 62 || c === 38 || c === 61 || c === 63 || c === 35;
}

/** classifyRun's answer from the run's classes, plus PRINTABLE for hex and base64 runs. */
export function runKind(b: Uint8Array, s: number, e: number, end: number, flags: number): number {
  if (end === e && (flags & (C_NONHEX | C_DASH | C_UNDERSCORE | C_PLUS_SLASH)) === 0) {
    const mixed = (flags & (C_UPPER | C_LOWER)) === (C_UPPER | C_LOWER) ? MIXED_CASE : 0;
    return (e - s >= 16 && hexPrintable(b, s, e) ? RUN_HEX | PRINTABLE : RUN_HEX) | mixed;
  }
  if (end === e && (flags & (C_NONHEX | C_UNDERSCORE | C_PLUS_SLASH)) === 0 && (e - s) % 3 === 2) return RUN_HEX_DASHED;
  const upper = (flags & C_UPPER) !== 0 ? 1 : 0;
  const lower = (flags & C_LOWER) !== 0 ? 1 : 0;
  const digit = (flags & C_DIGIT) !== 0 ? 1 : 0;
  if (upper + lower + digit < 2 || (upper === 0 && lower === 1)) return RUN_NONE;
  const kind = (flags & (C_DASH | C_UNDERSCORE)) !== 0 ? RUN_BASE64URL : RUN_BASE64;
  return end - s >= 16 && base64Printable(b, s, e) ? kind | PRINTABLE : kind;
}

/** Hex digits whose value is 2-7: the high nibble of a printable ASCII byte. */
export const HEX_HI_PRINTABLE = (() => {
  const t = new Uint8Array(256);
  for (const ch of '234567') t[ch.charCodeAt(0)] = 1;
  return t;
})();

/**
 * Whether the hex chars [s, e) decode to PRINTABLE_RUN printable ASCII bytes in a row.
 * Each window of that many bytes is tested from its last byte back: the first byte that
 * is not printable rules out every window through it, so the next window starts past
 * it (random hex: a printable byte in three, a few tests per window instead of one per
 * byte).
 */
function hexPrintable(b: Uint8Array, s: number, e: number): boolean {
  const last = 2 * (PRINTABLE_RUN - 1);
  for (let k = s; k + last + 1 < e;) {
    let t = k + last;
    while (t >= k && hexPrintableAt(b, t)) t -= 2;
    if (t < k) return true;
    k = t + 2;
  }
  return false;
}

/** The byte of hex chars b[t], b[t + 1] is printable ASCII (its first digit 2-7, and not 0x7f). */
function hexPrintableAt(b: Uint8Array, t: number): boolean {
  return HEX_HI_PRINTABLE[b[t] as number] === 1 && (((HEXV[b[t] as number] as number) << 4) | (HEXV[b[t + 1] as number] as number)) <= 0x7e;
}

/**
 * Per base64 char: can it stand at position 0 (value 8-31), 1 (value mod 16 in 2-7) or
 * 2 (value mod 4 in 0-1) of a 4-char group that decodes to three printable bytes? Bits 1, 2, 4.
 */
export const B64_GROUP = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    const v = B64V[c] as number;
    if (!(c === 65 || v !== 0)) continue; // not in the alphabet ('A' is the only 0)
    t[c] = (v >= 8 && v <= 31 ? 1 : 0) | ((v & 15) >= 2 && (v & 15) <= 7 ? 2 : 0) | ((v & 3) <= 1 ? 4 : 0);
  }
  return t;
})();

/**
 * 8 printable bytes in a row always include two whole 3-byte groups, so two 4-char
 * groups in a row must pass the B64_GROUP test (~0.5% of random base64 positions);
 * only then is the run decoded exactly.
 */
function base64Printable(b: Uint8Array, s: number, e: number): boolean {
  let ok = 0;
  for (let k = s; k + 3 < e; k += 4) {
    if (
      ((B64_GROUP[b[k] as number] as number) & 1) !== 0 &&
      ((B64_GROUP[b[k + 1] as number] as number) & 2) !== 0 &&
      ((B64_GROUP[b[k + 2] as number] as number) & 4) !== 0
    ) {
      if (++ok >= 2) return base64PrintableExact(b, s, e);
    } else ok = 0;
  }
  return false;
}

function base64PrintableExact(b: Uint8Array, s: number, e: number): boolean {
  let run = 0;
  let acc = 0;
  let bits = 0;
  for (let k = s; k < e; k++) {
    acc = ((acc << 6) | (B64V[b[k] as number] as number)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const v = (acc >>> bits) & 0xff;
      if (v >= 0x20 && v <= 0x7e) {
        if (++run >= PRINTABLE_RUN) return true;
      } else run = 0;
    }
  }
  return false;
}

/**
 * [A-Za-z0-9] pieces of minPiece+ chars in a run that has separators ('+/-_'). A piece
 * starting at `ps` covers ps + minPiece - 1: that char is looked at first, and the
 * chars before it only back to the last separator (a UUID's groups, a base64 line's
 * short stretches are passed over without reading most of their chars); a piece found
 * is extended four chars at a time over whole alnum words (from the pair table).
 */
export function alnumPieces(b: Uint8Array, words: Uint32Array, pair: Uint16Array, s: number, e: number, minPiece: number, out: number[]): void {
  if (minPiece < 1) {
    alnumPiecesEvery(b, s, e, minPiece, out);
    return;
  }
  const ALNUM = C_UPPER | C_LOWER | C_DIGIT;
  let ps = s;
  // chars [ps, known) are known to be alnum
  let known = s;
  while (e - ps >= minPiece) {
    const t = ps + minPiece;
    let k = t - 1;
    while (k >= known && ((CLS[b[k] as number] as number) & ALNUM) !== 0) k--;
    if (k >= known) {
      ps = k + 1;
      known = t;
      continue;
    }
    let q = t;
    while (q < e) {
      if ((q & 3) === 0 && q + 4 <= e) {
        const w = (words[q >>> 2] as number) | 0;
        if (((pair[w & 0xffff] as number) & (pair[w >>> 16] as number) & P_ALNUM2) !== 0) {
          q += 4;
          continue;
        }
      }
      if (((CLS[b[q] as number] as number) & ALNUM) === 0) break;
      q++;
    }
    out.push(ps, q, hexOnly(b, ps, q) ? 1 : 0);
    ps = q + 1;
    known = ps;
  }
}

/** No char of b[s, e) is a letter past 'f' (alnum chars given). */
function hexOnly(b: Uint8Array, s: number, e: number): boolean {
  for (let k = s; k < e; k++) if (((CLS[b[k] as number] as number) & C_NONHEX) !== 0) return false;
  return true;
}

/** The same, char by char (also reporting empty pieces, as a minPiece of 0 asks). */
function alnumPiecesEvery(b: Uint8Array, s: number, e: number, minPiece: number, out: number[]): void {
  let ps = s;
  let hex = 1;
  for (let k = s; k <= e; k++) {
    const f = k < e ? (CLS[b[k] as number] as number) : 0;
    if ((f & (C_UPPER | C_LOWER | C_DIGIT)) !== 0) {
      if ((f & C_NONHEX) !== 0) hex = 0;
      continue;
    }
    if (k - ps >= minPiece) out.push(ps, k, hex);
    ps = k + 1;
    hex = 1;
  }
}

/**
 * `s` is hex digits of one letter case whose bytes hold no 8 printable ASCII in a row:
 * as a layer, one hex run the children decode to opaque bytes (no text, no other-case
 * copy), so it yields nothing but what known-secret needles match in it.
 */
export function opaqueHex(s: string): boolean {
  return opaqueHexSpans(s, [0, s.length], 2);
}

/**
 * opaqueHex of the text the spans `spans[0..count)` (flat [start, end, ...] of `s`)
 * join into, read in place: a regrouped join is tested before it is built.
 */
export function opaqueHexSpans(s: string, spans: ArrayLike<number>, count: number): boolean {
  let cases = 0;
  let run = 0;
  // the high nibble of the pair being read (-1: none), across span boundaries
  let hi = -1;
  for (let t = 0; t < count; t += 2) {
    const e = spans[t + 1] as number;
    for (let k = spans[t] as number; k < e; k++) {
      const c = s.charCodeAt(k);
      const f = c < 256 ? (CLS[c] as number) : C_NONHEX;
      if ((f & (C_UPPER | C_LOWER | C_DIGIT)) === 0 || (f & C_NONHEX) !== 0) return false;
      cases |= f & (C_UPPER | C_LOWER);
      if (hi < 0) hi = HEXV[c] as number;
      else {
        const v = (hi << 4) | (HEXV[c] as number);
        hi = -1;
        run = v >= 0x20 && v <= 0x7e ? run + 1 : 0;
        if (run >= PRINTABLE_RUN) return false;
      }
    }
  }
  return cases !== (C_UPPER | C_LOWER);
}
