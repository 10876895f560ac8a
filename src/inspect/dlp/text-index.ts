/**
 * The one pass over every byte, word-at-a-time. The text is copied (latin1, a native
 * memcpy-speed path) into a reused scratch buffer and read as little-endian 32-bit
 * words; for each word the loop does two 64 K-entry table loads (one per 16-bit half:
 * character classes of both bytes), two trigram-filter tests and one needle-filter
 * test, all branch-free, and branches only on rare events:
 *
 * - a keyword anchor or needle filter hit: verified in keyword-index.ts terms;
 * - the end of a streak of 3+ words made only of base64-alphabet bytes: every run of
 *   15+ such bytes contains 3 aligned words, so runs are found from word classes and
 *   only their 0-3 edge bytes are looked at one by one. The classes OR'd over the run
 *   decide how it decodes (run-kinds.ts) without a regex, and for hex and base64 runs
 *   the decoded bytes are tested for printable text (only those become strings);
 * - a word of only digits, spaces and dashes: every group of 8+ digits with separators
 *   contains one, and is measured from there;
 * - a word that may hold the separator between two equal hex pairs or base64 groups
 *   (one table lookup on the last five words' bits): regrouped.ts tests it locally.
 *
 * Byte at a time costs ~1-3 ns per byte on V8; these loops ~4 ns per four (in place,
 * their tables and the text compete for L1). Outputs are flat arrays, in text order.
 *
 * @example
 * const idx = indexText(keywordIndex, 'x QUtJQUlPU0ZPRE5ON0VYQU1QTEU= y', 15);
 * idx.runs // [2, 30]
 */
import { isAscii } from 'node:buffer';
import type { KeywordIndex } from './keyword-index.js';
import type { Needle } from './known-secrets.js';
import { wordRuns } from './word-runs.js';
import { gapStarts } from './regrouped.js';
import { alnumPieces, runKind, RUN_NONE } from './run-kinds.js';
import type { WordRun } from './word-runs.js';
import {
  bigramsAt,
  CLS,
  C_DASH,
  C_DIGIT,
  C_NONHEX,
  C_PLUS_SLASH,
  C_RUN,
  C_UNDERSCORE,
  DIGIT_KEEP,
  insertSorted,
  mergeSorted,
  NEEDLE_FILTER_BITS,
  needlesAt,
  P_ANCHOR,
  P_DIGIT2,
  P_GROUP_SEP,
  P_HEX_SEP2,
  P_PAIR_SEP,
  P_RUN2,
  P_UPPER_DIGIT,
  TRI_FILTER_BITS,
  trigramsAt,
} from './keyword-index.js';

export interface TextIndex {
  /** Flat [keyword, start, ...], by start then keyword. */
  hits: number[];
  /** Flat [needle, start, ...] of known-secret needles found, by start then needle. */
  needles: number[];
  /** Flat [start, end, ...] of base64-alphabet runs of 15+ chars (with up to two '='). */
  runs: number[];
  /** Per run: its RUN_* kind, plus PRINTABLE when its decoded bytes hold 8 printable ASCII in a row. */
  kinds: number[];
  /** Flat [start, end, isHex, ...] of [A-Za-z0-9] pieces of at least `minPiece` chars. */
  pieces: number[];
  /** Flat [start, end, ...] of stretches holding 8+ digits with single space/dash separators. */
  digits: number[];
  /** Some byte is >= 0x80 (only then can zero-width characters be present). */
  nonAscii: boolean;
  /** Runs of 12+ BIP-39 wordlist words (word-runs.ts). */
  wordRuns: WordRun[];
  /** Where two equal base64 groups or hex pairs in a row start (regrouped.ts gapStarts; unsorted); only when asked for. */
  groupStarts: number[];
}

const RUN_LEN = 15;
/** Words of run bytes that every run of RUN_LEN+ bytes contains. */
const RUN_WORDS = 3;
const P_RUN2_SHIFT = 31 - Math.clz32(P_RUN2);
const DIGITS = 8;
const SMALL_TEXT = 256;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Scratch kept between calls (texts up to this size); larger texts get a buffer of their own. */
const KEEP_BYTES = 1 << 22;
let scratch = Buffer.allocUnsafeSlow(1 << 17);
let scratchWords = new Uint32Array(scratch.buffer, 0, scratch.length >>> 2);

/**
 * Index `text` (a byte string). `decodeInfo`: also classify runs and test their decoded
 * bytes for printable text (only needed when the layer's children will be decoded).
 * `seedPhrases`: also look for runs of BIP-39 wordlist words (word-runs.ts). `regroup`:
 * also find where equal groups or hex pairs in a row start (regrouped.ts).
 */
export function indexText(ki: KeywordIndex, text: string, minPiece: number, decodeInfo = true, seedPhrases = true, regroup = false): TextIndex {
  const n = text.length;
  // room for the zeroed padding words the loop reads past the end (zero is no class byte)
  const size = (n + 16 + 7) & ~7;
  let b = scratch;
  let words = scratchWords;
  if (size > b.length) {
    b = Buffer.allocUnsafeSlow(size <= KEEP_BYTES ? Math.max(size, Math.min(KEEP_BYTES, b.length * 2)) : size);
    words = new Uint32Array(b.buffer, 0, b.length >>> 2);
    if (b.length <= KEEP_BYTES) {
      scratch = b;
      scratchWords = words;
    }
  }
  let nonAscii: boolean;
  if (n <= SMALL_TEXT) {
    // small texts (header values, URL parts, regrouped joins): a char loop costs less than the Buffer calls
    let high = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      high |= c;
      b[i] = c;
    }
    for (let i = n; i < n + 16; i++) b[i] = 0;
    nonAscii = high >= 0x80;
  } else {
    b.write(text, 0, n, 'latin1');
    b.fill(0, n, n + 16);
    nonAscii = !isAscii(b.subarray(0, n));
  }
  // big-endian hosts read a byte-swapped copy, so words are little-endian everywhere
  if (!LITTLE_ENDIAN) words = new Uint32Array(Buffer.from(b.subarray(0, size)).swap32().buffer, 0, size >>> 2);

  const out: TextIndex = { hits: [], needles: [], runs: [], kinds: [], pieces: [], digits: [], nonAscii, wordRuns: [], groupStarts: [] };
  wordPass(ki, text, b, words, n, minPiece, decodeInfo, regroup, out);
  if (seedPhrases) wordRuns(b, words, n, out.wordRuns);
  for (const i of ki.shortNeedles) {
    const t = (ki.needles[i] as Needle).text;
    for (let at = text.indexOf(t); at >= 0; at = text.indexOf(t, at + 1)) insertSorted(out.needles, i, at);
  }
  return out;
}

/** Candidate word indexes from the loops (reused; grown as needed). */
let candA = new Int32Array(1 << 16);
let candB = new Int32Array(1 << 15);
let candC = new Int32Array(1 << 15);
let candD = new Int32Array(1 << 15);
let candE = new Int32Array(1 << 15);

/**
 * The loops only record candidate words (into typed arrays) and never call out: a
 * call in the loop gets inlined and the loop runs ~2x slower. Candidates are verified
 * afterwards, in text order.
 */
function wordPass(
  ki: KeywordIndex,
  text: string,
  b: Uint8Array,
  words: Uint32Array,
  n: number,
  minPiece: number,
  decodeInfo: boolean,
  regroup: boolean,
  out: TextIndex,
): void {
  // one word past the text (zeros), so a streak of run words always ends inside the loop
  const m = ((n + 3) >>> 2) + 1;
  let a = candA; // trigram candidates upwards, needle candidates downwards
  let c = candB;
  let d = candC;
  let r = candD;
  let g = candE;
  if (c.length < m + 1) {
    // kept for the next call only up to KEEP_BYTES of text, like the scratch buffer
    const size = Math.max(m + 1, Math.min(KEEP_BYTES >>> 2, c.length * 2));
    a = new Int32Array(2 * size);
    c = new Int32Array(size);
    d = new Int32Array(size);
    r = new Int32Array(size);
    g = new Int32Array(size);
    if (size <= KEEP_BYTES >>> 2) {
      candA = a;
      candB = c;
      candC = d;
      candD = r;
      candE = g;
    }
  }
  if (ki.hasNeedles) {
    // needle hits go to the end of `a`, downwards
    const kt = trigramNeedleLoop(ki.triFilter, ki.needleFilter, words, m, a);
    for (let i = 0; i < kt; i++) trigramsAt(ki, b, n, a[i] as number, words, out.hits);
    for (let i = a.length - 1; i >= (classCounts[0] as number); i--) needlesAt(ki, text, a[i] as number, words, out.needles);
  } else {
    const kt = trigramLoop(ki.triFilter, words, m, a);
    for (let i = 0; i < kt; i++) trigramsAt(ki, b, n, a[i] as number, words, out.hits);
  }
  // bigram anchors (c), whole digit words (d), run ends (r: [end word, streak, classes])
  classLoop(ki.pair, words, m, c, d, r, g);
  const nb = classCounts[0] as number;
  const nd = classCounts[1] as number;
  const nr = classCounts[2] as number;
  let ng = classCounts[3] as number;
  // the last word with text: its right-hand context is padding
  if (m >= 2 && (ng === 0 || (g[ng - 1] as number) < m - 2)) g[ng++] = m - 2;
  if (regroup) gapStarts(b, n, g, ng, out.groupStarts);
  if (nb > 0) {
    const biHits: number[] = [];
    for (let i = 0; i < nb; i++) bigramsAt(ki, b, n, c[i] as number, words, biHits);
    if (biHits.length > 0) out.hits = mergeSorted(out.hits, biHits);
  }
  let digitsEnd = 0;
  for (let i = 0; i < nd; i++) {
    const j = d[i] as number;
    if (j >= digitsEnd) digitsEnd = digitsAt(b, n, j, out.digits);
  }
  for (let i = 0; i < nr; i += 3)
    runAt(b, words, ki.pair, n, (r[i] as number) - (r[i + 1] as number), r[i] as number, r[i + 2] as number, minPiece, decodeInfo, out);
}

const classCounts = new Int32Array(4);
const GROUP_SHIFT = 31 - Math.clz32(P_GROUP_SEP);
const UPPER_DIGIT_SHIFT = 31 - Math.clz32(P_UPPER_DIGIT);
if (P_PAIR_SEP !== P_GROUP_SEP << 1 || P_HEX_SEP2 !== P_GROUP_SEP << 2 || UPPER_DIGIT_SHIFT !== 15)
  throw new Error('text-index: group probe bits out of place');
/**
 * Whether word j-2 may hold the separator between two equal tokens, by [its separator
 * bits (3) | upper-or-digit of j-4..j (5)]: hex digits and separators only, with a pair
 * separator; or a group separator with an upper-case letter or digit in j-4..j-2 and
 * in j-2..j.
 */
const GROUP_LATE = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    const seps = i >>> 5;
    const hexPair = (seps & 6) === 6;
    const group = (seps & 1) !== 0 && (i & 0x1c) !== 0 && (i & 7) !== 0;
    t[i] = hexPair || group ? 1 : 0;
  }
  return t;
})();

/** Trigram anchors at positions 4j and 4j + 2 of every word: two filter loads; candidate words to `cand`. */
function trigramLoop(filter: Uint8Array, words: Uint32Array, m: number, cand: Int32Array): number {
  const shift = 32 - TRI_FILTER_BITS;
  let k = 0;
  let next = (words[0] as number) | 0x20202020;
  for (let j = 0; j < m; j++) {
    const f = next;
    next = (words[j + 1] as number) | 0x20202020;
    const h0 = Math.imul(f & 0xffffff, 0x9e3779b1) >>> shift;
    const h2 = Math.imul(((f >>> 16) | (next << 16)) & 0xffffff, 0x9e3779b1) >>> shift;
    if (((filter[h0] as number) | (filter[h2] as number)) !== 0) cand[k++] = j;
  }
  return k;
}

/** trigramLoop and the needle filter test in one pass; needle candidates fill `cand` from the end (lowest index in classCounts[0]). */
function trigramNeedleLoop(filter: Uint8Array, needleFilter: Uint32Array, words: Uint32Array, m: number, cand: Int32Array): number {
  const shift = 32 - TRI_FILTER_BITS;
  const nshift = 32 - NEEDLE_FILTER_BITS;
  let k = 0;
  let kn = cand.length;
  let w = (words[0] as number) | 0;
  for (let j = 0; j < m; j++) {
    const f = w | 0x20202020;
    const hn = Math.imul(w, 0x9e3779b1) >>> nshift;
    w = (words[j + 1] as number) | 0;
    const h0 = Math.imul(f & 0xffffff, 0x9e3779b1) >>> shift;
    const h2 = Math.imul(((f >>> 16) | (w << 16) | 0x200000) & 0xffffff, 0x9e3779b1) >>> shift;
    if (((filter[h0] as number) | (filter[h2] as number)) !== 0) cand[k++] = j;
    if ((((needleFilter[hn >>> 5] as number) >>> (hn & 31)) & 1) !== 0) cand[--kn] = j;
  }
  classCounts[0] = kn;
  return k;
}

/**
 * Per word, the classes of its two halves: bigram anchors (to `bi`), whole digit words
 * (to `dig`), the ends of streaks of 3+ whole-run words (to `runs`: [end word,
 * streak, classes]), and words that may hold the separator between two equal tokens
 * (to `grp`, two words late: a word of only hex digits and separators, with one; or a
 * group separator with an upper-case letter or digit within two words on each side,
 * as two base64 groups of 4 to 8 chars each hold one). Counts go to classCounts.
 */
function classLoop(pair: Uint16Array, words: Uint32Array, m: number, bi: Int32Array, dig: Int32Array, runs: Int32Array, grp: Int32Array): void {
  let streak = 0;
  let streakClasses = 0;
  let kb = 0;
  let kd = 0;
  let kr = 0;
  let kg = 0;
  let ud = 0;
  let sh = 0;
  for (let j = 0; j < m; j++) {
    const w = (words[j] as number) | 0;
    const x = pair[w & 0xffff] as number;
    const y = pair[w >>> 16] as number;
    const xy = x & y;
    const full = (xy & P_RUN2) >>> P_RUN2_SHIFT;
    if (streak >= RUN_WORDS && full === 0) {
      runs[kr] = j;
      runs[kr + 1] = streak;
      runs[kr + 2] = streakClasses;
      kr += 3;
    }
    // branch-free: in prose about half the words are whole-run, unpredictably
    const keep = -full;
    streak = (streak + 1) & keep;
    streakClasses = (streakClasses | x | y) & keep;
    const o = x | y;
    if ((o & P_ANCHOR) !== 0) bi[kb++] = j;
    if ((xy & P_DIGIT2) !== 0) dig[kd++] = j;
    // upper-or-digit of words j-4..j (bit 0: j); separator bits of j-2..j (3 a word, from bit GROUP_SHIFT: group, pair, hex-and-separators)
    ud = ((ud << 1) | (o >>> UPPER_DIGIT_SHIFT)) & 31;
    sh = ((sh << 3) | (((o & (P_GROUP_SEP | P_PAIR_SEP)) | (xy & P_HEX_SEP2)) >>> GROUP_SHIFT)) & 0x1ff;
    const late = GROUP_LATE[((sh >>> 6) << 5) | ud] as number;
    if (late !== 0) grp[kg++] = j - 2;
  }
  classCounts[0] = kb;
  classCounts[1] = kd;
  classCounts[2] = kr;
  classCounts[3] = kg;
}

/** Whole-run words [j0, j1): extend over the 0-3 run bytes on each side, record the run. */
function runAt(
  b: Uint8Array,
  words: Uint32Array,
  pair: Uint16Array,
  n: number,
  j0: number,
  j1: number,
  classes: number,
  minPiece: number,
  decodeInfo: boolean,
  out: TextIndex,
): void {
  let s = 4 * j0;
  let flags = classes;
  while (s > 0 && ((CLS[b[s - 1] as number] as number) & C_RUN) !== 0) flags |= CLS[b[--s] as number] as number;
  let e = 4 * j1;
  while (e < n && ((CLS[b[e] as number] as number) & C_RUN) !== 0) flags |= CLS[b[e++] as number] as number;
  if (e - s < RUN_LEN) return;
  let end = e;
  if (end < n && b[end] === 61) end += end + 1 < n && b[end + 1] === 61 ? 2 : 1;
  out.runs.push(s, end);
  out.kinds.push(decodeInfo ? runKind(b, s, e, end, flags) : RUN_NONE);
  if ((flags & (C_DASH | C_UNDERSCORE | C_PLUS_SLASH)) === 0) {
    if (e - s >= minPiece) out.pieces.push(s, e, (flags & C_NONHEX) === 0 ? 1 : 0);
  } else alnumPieces(b, words, pair, s, e, minPiece, out.pieces);
}

/** The digit/space/dash stretch around word `j` (all such bytes): recorded when it holds DIGITS+ digits. Returns the first word past it. */
function digitsAt(b: Uint8Array, n: number, j: number, out: number[]): number {
  const p = 4 * j;
  let s = p;
  while (s > 0 && DIGIT_KEEP[b[s - 1] as number] !== 0) s--;
  let e = p + 4;
  while (e < n && DIGIT_KEEP[b[e] as number] !== 0) e++;
  let count = 0;
  for (let k = s; k < e && count < DIGITS; k++) if (((CLS[b[k] as number] as number) & C_DIGIT) !== 0) count++;
  if (count >= DIGITS) out.push(s, e);
  return (e + 3) >>> 2;
}
