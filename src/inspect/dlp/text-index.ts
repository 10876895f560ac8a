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
  const cand: number[] = [];
  const runStarts: number[] = [];
  const pieceStarts: number[] = [];
  const digitAt: number[] = [];
  const filter = ki.filter;
  // Bytes, not charCodeAt: a Buffer read is ~2x faster, and window texts are often
  // cons strings (tail + chunk) whose charCodeAt leaves the JIT's fast path.
  const b = Buffer.from(text, 'latin1');
  const n = b.length;
  let tri = 0;
  let run = 0;
  let piece = 0;
  let dig = 0;
  let high = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    tri = ((tri << 8) | (FOLD[c] as number)) & 0xffffff;
    const h = Math.imul(tri, 0x9e3779b1) >>> FILTER_SHIFT;
    if (((filter[h >>> 5] as number) & (1 << (h & 31))) !== 0) cand.push(i - 2);
    high |= c;
    run = (run + 1) & (B64_KEEP[c] as number);
    if (run === RUN_LEN) runStarts.push(i - RUN_LEN + 1);
    piece = (piece + 1) & (ALNUM_KEEP[c] as number);
    if (piece === minPiece) pieceStarts.push(i - minPiece + 1);
    const inc = DIGIT_INC[c] as number;
    dig = (dig + inc) & (DIGIT_KEEP[c] as number);
    if (dig === DIGITS && inc === 1) digitAt.push(i);
  }

  const hits: number[] = [];
  const needles: number[] = [];
  for (const at of cand) if (at >= 0) ki.verify(text, at, hits, needles);

  const runs: number[] = [];
  for (const s of runStarts) {
    let e = s + RUN_LEN;
    while (e < n && B64_KEEP[b[e] as number] !== 0) e++;
    if (e < n && b[e] === 61) e += e + 1 < n && b[e + 1] === 61 ? 2 : 1;
    runs.push(s, e);
  }
  const pieces: number[] = [];
  for (const s of pieceStarts) {
    let e = s;
    let hex = 1;
    while (e < n && ALNUM_KEEP[b[e] as number] !== 0) {
      if (!isHex(b[e] as number)) hex = 0;
      e++;
    }
    pieces.push(s, e, hex);
  }
  const digits: number[] = [];
  let covered = -1;
  for (const at of digitAt) {
    if (at < covered) continue;
    let s = at;
    while (s > 0 && DIGIT_KEEP[b[s - 1] as number] !== 0) s--;
    let e = at + 1;
    while (e < n && DIGIT_KEEP[b[e] as number] !== 0) e++;
    digits.push(s, e);
    covered = e;
  }
  return { hits, needles, runs, pieces, digits, nonAscii: (high & 0x80) !== 0 };
}
