/**
 * The one pass over every byte. Fused on purpose: on V8 each extra pass over a buffer
 * costs ~2 ms/MiB, so the keyword/known-secret trigram filter, base64-alphabet runs
 * (decoder input), alnum pieces (IBAN / address / Twilio triggers) and digit groups
 * (card numbers) are all tracked in a single loop of branch-light table lookups. The
 * loop only records *candidate positions*; verifying and measuring them happens
 * afterwards on the few positions recorded.
 *
 * @example
 * const idx = indexText(keywordIndex, 'x QUtJQUlPU0ZPRE5ON0VYQU1QTEU= y', 15);
 * idx.runs // [2, 30]
 */
import type { KeywordIndex } from './keyword-index.js';
import { FOLD, FILTER_SHIFT } from './keyword-index.js';

export interface TextIndex {
  /** Flat [keyword, start, ...]. */
  hits: number[];
  /** Flat [needle, start, ...] of known-secret needles found. */
  needles: number[];
  /** Flat [start, end, ...] of base64-alphabet runs of 15+ chars (with up to two '='). */
  runs: number[];
  /** Flat [start, end, isHex, ...] of [A-Za-z0-9] pieces of at least `minPiece` chars. */
  pieces: number[];
  /** Flat [start, end, ...] of stretches holding 8+ digits with single space/dash separators. */
  digits: number[];
  /** Some byte is >= 0x80 (only then can zero-width characters be present). */
  nonAscii: boolean;
}

const RUN_LEN = 15;
const DIGITS = 8;

function table(pred: (c: number) => boolean, yes: number, no: number): Int32Array {
  const t = new Int32Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? yes : no;
  return t;
}
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isB64 = (c: number): boolean => isAlnum(c) || c === 43 || c === 47 || c === 45 || c === 95;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const B64_KEEP = table(isB64, -1, 0);
const ALNUM_KEEP = table(isAlnum, -1, 0);
const DIGIT_INC = table(isDigit, 1, 0);
const DIGIT_KEEP = table((c) => isDigit(c) || c === 32 || c === 45, -1, 0);

export function indexText(ki: KeywordIndex, text: string, minPiece: number): TextIndex {
  // Bytes, not charCodeAt: a Buffer read is ~2x faster, and window texts are often
  // cons strings (tail + chunk) whose charCodeAt leaves the JIT's fast path.
  const b = Buffer.from(text, 'latin1');
  const n = b.length;
  const filter = ki.filter;
  const hits: number[] = [];
  const needles: number[] = [];
  // The only loop over every byte: the trigram filter (plus a non-ASCII flag).
  let tri = 0;
  let high = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    high |= c;
    tri = ((tri << 8) | (FOLD[c] as number)) & 0xffffff;
    const h = Math.imul(tri, 0x9e3779b1) >>> FILTER_SHIFT;
    if (((filter[h >>> 5] as number) & (1 << (h & 31))) !== 0 && i >= 2) ki.verify(text, i - 2, hits, needles);
  }
  return { hits, needles, ...classRuns(b, minPiece), nonAscii: (high & 0x80) !== 0 };
}

/**
 * Runs, pieces and digit groups by probing: a run of L+ class bytes must contain one
 * of every L-th position, so only those are tested, and expanded when they hit.
 */
function classRuns(b: Uint8Array, minPiece: number): { runs: number[]; pieces: number[]; digits: number[] } {
  const n = b.length;
  const runs: number[] = [];
  const pieces: number[] = [];
  for (let i = RUN_LEN - 1; i < n; ) {
    if (B64_KEEP[b[i] as number] === 0) {
      i += RUN_LEN;
      continue;
    }
    let s = i;
    while (s > 0 && B64_KEEP[b[s - 1] as number] !== 0) s--;
    let e = i + 1;
    while (e < n && B64_KEEP[b[e] as number] !== 0) e++;
    if (e - s >= RUN_LEN) {
      let end = e;
      if (end < n && b[end] === 61) end += end + 1 < n && b[end + 1] === 61 ? 2 : 1;
      runs.push(s, end);
      alnumPieces(b, s, e, minPiece, pieces);
    }
    i = e + RUN_LEN;
  }
  const digits: number[] = [];
  for (let i = DIGITS - 1; i < n; ) {
    if (DIGIT_KEEP[b[i] as number] === 0) {
      i += DIGITS;
      continue;
    }
    let s = i;
    while (s > 0 && DIGIT_KEEP[b[s - 1] as number] !== 0) s--;
    let e = i + 1;
    while (e < n && DIGIT_KEEP[b[e] as number] !== 0) e++;
    let count = 0;
    for (let k = s; k < e; k++) count += DIGIT_INC[b[k] as number] as number;
    if (count >= DIGITS) digits.push(s, e);
    i = e + DIGITS;
  }
  return { runs, pieces, digits };
}

function alnumPieces(b: Uint8Array, s: number, e: number, minPiece: number, out: number[]): void {
  let ps = s;
  let hex = 1;
  for (let k = s; k <= e; k++) {
    const c = k < e ? (b[k] as number) : 0;
    if (k < e && ALNUM_KEEP[c] !== 0) {
      if (!isHex(c)) hex = 0;
      continue;
    }
    if (k - ps >= minPiece) out.push(ps, k, hex);
    ps = k + 1;
    hex = 1;
  }
}
