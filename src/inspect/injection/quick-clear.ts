/**
 * The scanner's fast path: one pass over the raw segments that proves they cannot
 * yield a finding, so most text (JSON, code, prose without a keyword) skips the
 * normalisation and the pattern set. Proof, not a guess: it answers `true` only for
 * ASCII text without character references, letter-spaced words, base64 blobs the
 * scanner would decode, or HTML comments, in which the keyword automaton (capitals
 * folded, every run of blanks read as one space) finds no keyword. For such text
 * the normalised form differs only in case and in blank runs, so the full scan
 * (scan-segments.ts) would find no keyword either, and every finding starts from one.
 * Anything else answers `false`, and the full scan decides.
 *
 * @example
 * quickClear([{ text: '{"id": 42, "name": "Ada"}' }], automaton); // true
 * quickClear([{ text: 'Ignore previous instructions' }], automaton); // false
 */
import { MIN_RUN } from './base64-blobs.js';
import type { KeywordAutomaton } from './keyword-automaton.js';
import type { TextSegment } from './types.js';
import { wasmSegment } from './wasm/quick-clear.js';

const SPACE = 0x20;
// One lookup per character: what it is to each of the checks below.
const B64_DIGIT = 1; // digit, + or /
const B64_LOWER = 2;
const B64_UPPER = 4;
const B64 = 8; // in the base64 or base64url alphabet
const ALNUM = 16;
const SEP = 32; // separates the letters of a letter-spaced word (spaced-letters.ts)
const BLANK = 64;
const BAIL = 128; // & (a character reference may follow): the full scan decodes those
const CLASS = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = B64 | B64_DIGIT | ALNUM;
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = B64 | B64_LOWER | ALNUM;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = B64 | B64_UPPER | ALNUM;
CLASS[0x2b] = B64 | B64_DIGIT;
CLASS[0x2f] = B64 | B64_DIGIT;
CLASS[0x5f] = B64 | SEP;
CLASS[0x2d] = B64 | SEP;
for (const c of ' .*|') CLASS[c.charCodeAt(0)] = CLASS[c.charCodeAt(0)]! | SEP;
for (const c of ' \t\n\v\f\r') CLASS[c.charCodeAt(0)] = CLASS[c.charCodeAt(0)]! | BLANK;
CLASS[0x26] = BAIL;
/** A run of MIN_RUN or more with digits and both cases is decoded by base64-blobs.ts. */
const BLOB_CLASSES = B64_DIGIT | B64_LOWER | B64_UPPER;
/** Four single letters in a row, each gap one to three separators, read as a spaced word. */
const SPACED_RUN = 4;

/** True when `segments` certainly hold nothing the scanner reports. */
export function quickClear(segments: readonly TextSegment[], automaton: KeywordAutomaton): boolean {
  const table = automaton.table;
  const out = automaton.out;
  // The full scan joins segments after a line break, with a space after each.
  let state = table[SPACE]!;
  let blank = true;
  for (const seg of segments) {
    if (seg.hidden === 'html-comment') return false;
    const text = seg.text;
    // The same loop in WebAssembly (wasm/quick-clear.wat), when it can take the segment.
    const r = wasmSegment(text, automaton, CLASS, MIN_RUN, state, blank);
    if (r !== undefined) {
      if (r < 0) return false;
      state = r >>> 1;
      blank = (r & 1) === 1;
      continue;
    }
    const n = text.length;
    // Base64 run: its length and which classes it has.
    let run = 0;
    let classes = 0;
    // Letter-spaced words: single-letter tokens in a row, the current token, the gap since it.
    let singles = 0;
    let token = 0;
    let tokenLetter = false;
    let gap = 0;
    let gapSeps = true;
    for (let i = 0; i <= n; i++) {
      const c = i < n ? text.charCodeAt(i) : SPACE;
      if (c >= 0x80) return false;
      const k = CLASS[c]!;
      if ((k & BAIL) !== 0) return false;
      if ((k & B64) !== 0) {
        run++;
        classes |= k;
      } else if (run > 0) {
        if (run >= MIN_RUN && (classes & BLOB_CLASSES) === BLOB_CLASSES) return false;
        run = 0;
        classes = 0;
      }
      if ((k & ALNUM) !== 0) {
        if (token === 0) {
          if (gap < 1 || gap > 3 || !gapSeps) singles = 0;
          tokenLetter = (k & B64_DIGIT) === 0;
        }
        token++;
      } else {
        if (token > 0) {
          singles = token === 1 && tokenLetter ? singles + 1 : 0;
          if (singles >= SPACED_RUN) return false;
          token = 0;
          gap = 0;
          gapSeps = true;
        }
        gap++;
        if ((k & SEP) === 0) gapSeps = false;
      }
      if (i === n) break;
      if ((k & BLANK) !== 0) {
        if (blank) continue;
        blank = true;
        state = table[state * 128 + SPACE]!;
      } else {
        blank = false;
        state = table[state * 128 + c]!;
      }
      if (out[state] !== -1) return false;
    }
    if (!blank) {
      blank = true;
      state = table[state * 128 + SPACE]!;
      if (out[state] !== -1) return false;
    }
  }
  return true;
}
