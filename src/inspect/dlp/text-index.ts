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
  C_NONHEX,
  C_PLUS_SLASH,
  C_RUN,
  C_UNDERSCORE,
  DIGIT_OR_SEP,
  insertSorted,
  mergeInto,
  needlesAt,
  trigramsAt,
} from './keyword-index.js';
import type { PassLists } from './index-loops.js';
import { jsPass, passLists } from './index-loops.js';
import {
  BLOCK_BYTES,
  textBuffer,
  wasmAvailable,
  wasmDigits,
  wasmGapStarts,
  wasmPass,
  wasmRuns,
  wasmSoftBreakSeen,
  wasmControlSeen,
  wasmLookalikeSeen,
  wasmTrigramHits,
  wasmWordRuns,
} from './wasm/index-pass.js';

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
  /** An `=` stands right before a CR or LF (only then can a quoted-printable soft break be present). */
  eqBreak: boolean;
  /** An ASCII control other than a tab or a line break is present (only then can foldUnicode drop one). */
  controls: boolean;
  /**
   * A Greek, Cyrillic or Armenian letter next to an ASCII letter, digit, `_` or `-`, a
   * Latin letter with accents next to an ASCII digit, capital, `_` or `-`, or a dash next
   * to an ASCII letter or digit (a look-alike may sit in a token: only then does
   * foldUnicode fold look-alikes, accents and dashes).
   */
  lookalikes: boolean;
  /** Runs of 12+ BIP-39 wordlist words (word-runs.ts). */
  wordRuns: WordRun[];
  /** Where two equal base64 groups or hex pairs in a row start (regrouped.ts gapStarts; unsorted); only when asked for. */
  groupStarts: number[];
  /** Where a '0' stands before an 'x' or 'X' (byte values; in order), for regrouped.ts regroupStarts; only with groupStarts. */
  zeroX: number[];
}

const RUN_LEN = 15;
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
 * also find where equal groups or hex pairs in a row start (regrouped.ts). `patterns`:
 * also find what selects patterns (keyword hits, digit stretches); without it `hits`
 * and `digits` stay empty (a regrouped join is matched against known secrets only).
 */
export function indexText(
  ki: KeywordIndex,
  text: string,
  minPiece: number,
  decodeInfo = true,
  seedPhrases = true,
  regroup = false,
  patterns = true,
): TextIndex {
  const n = text.length;
  // room for the zeroed padding words the loop reads past the end (zero is no class byte)
  const size = (n + 16 + 7) & ~7;
  let b = scratch;
  let words = scratchWords;
  if (wasmAvailable && n <= BLOCK_BYTES) {
    // straight into the WebAssembly pass's memory: no copy for the pass
    const t = textBuffer();
    b = t.bytes;
    words = t.words;
  } else if (size > b.length) {
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

  const out: TextIndex = {
    hits: [],
    needles: [],
    runs: [],
    kinds: [],
    pieces: [],
    digits: [],
    nonAscii,
    eqBreak: true,
    controls: true,
    lookalikes: false,
    wordRuns: [],
    groupStarts: [],
    zeroX: [],
  };
  wordPass(ki, text, b, words, n, minPiece, decodeInfo, seedPhrases, regroup, patterns, out);
  for (const i of ki.shortNeedles) {
    const t = (ki.needles[i] as Needle).text;
    for (let at = text.indexOf(t); at >= 0; at = text.indexOf(t, at + 1)) insertSorted(out.needles, i, at);
  }
  return out;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
/** What the module's `lookalikes` finds (index-pass.wat), for a run without WebAssembly. */
const LOOKALIKE =
  /[0-9A-Za-z_-][\xce-\xd6]|[\xce-\xd6][\x80-\xbf][0-9A-Za-z_-]|[0-9A-Z_-][\xc3-\xca]|[\xc3-\xca][\x80-\xbf][0-9A-Z_-]|[0-9A-Za-z](?:\xe2\x80[\x90-\x95]|\xe2\x88\x92)|(?:\xe2\x80[\x90-\x95]|\xe2\x88\x92)[0-9A-Za-z]/;

/** JS candidate lists kept between calls (texts up to KEEP_BYTES), grown as needed. */
let kept: PassLists = passLists(1 << 15);

function listsFor(m: number): PassLists {
  if (kept.tri.length >= m + 1) return kept;
  const lists = passLists(Math.max(m + 1, Math.min(KEEP_BYTES >>> 2, kept.tri.length * 2)));
  if (lists.tri.length <= KEEP_BYTES >>> 2) kept = lists;
  return lists;
}

/**
 * The pass's candidates (wasm/index-pass.ts, or index-loops.ts without WebAssembly), verified in text order:
 * seed-phrase runs, trigram anchors, gap starts, runs and digit stretches in the module when it holds the text whole, else here.
 */
function wordPass(
  ki: KeywordIndex,
  text: string,
  b: Uint8Array,
  words: Uint32Array,
  n: number,
  minPiece: number,
  decodeInfo: boolean,
  seedPhrases: boolean,
  regroup: boolean,
  patterns: boolean,
  out: TextIndex,
): void {
  // one word past the text (zeros), so a streak of run words always ends inside the loop
  const m = ((n + 3) >>> 2) + 1;
  let l: PassLists;
  if (wasmAvailable) {
    l = wasmPass(ki, words, m, listsFor, seedPhrases, out.nonAscii);
    out.eqBreak = wasmSoftBreakSeen();
    out.lookalikes = out.nonAscii && wasmLookalikeSeen();
    // the module does not count NULs (the padding after the text is zeros): a native search does
    out.controls = wasmControlSeen() || text.includes('\0');
  } else {
    l = listsFor(m);
    jsPass(ki, words, m, l);
    out.eqBreak = text.includes('=\n') || text.includes('=\r');
    out.controls = CONTROL.test(text);
    out.lookalikes = out.nonAscii && LOOKALIKE.test(text);
  }
  const { tri, needle, bi, dig, run: r, grp: g } = l;
  if (seedPhrases && !(wasmAvailable && wasmWordRuns(n, l.ns, out.wordRuns))) wordRuns(b, words, n, l.seed, l.ns, out.wordRuns);
  if (patterns && !(wasmAvailable && wasmTrigramHits(n, l.nt, out.hits)))
    for (let i = 0; i < l.nt; i++) trigramsAt(ki, b, n, tri[i] as number, words, out.hits);
  for (let i = 0; i < l.nn; i++) needlesAt(ki, text, needle[i] as number, words, out.needles);
  let ng = l.ng;
  // the last word with text: its right-hand context is padding
  if (m >= 2 && (ng === 0 || (g[ng - 1] as number) < m - 2)) g[ng++] = m - 2;
  if (regroup && !(wasmAvailable && wasmGapStarts(n, ng, out))) gapStarts(b, n, g, ng, out.groupStarts);
  if (regroup) {
    for (let i = 0; i < l.nz; i++) {
      const p0 = 4 * (l.zx[i] as number);
      const p1 = Math.min(p0 + 16, n - 1);
      for (let p = p0; p < p1; p++) if (b[p] === 48 && ((b[p + 1] as number) | 0x20) === 120) out.zeroX.push(p);
    }
  }
  if (patterns && l.nb > 0) {
    const biHits: number[] = [];
    for (let i = 0; i < l.nb; i++) bigramsAt(ki, b, n, bi[i] as number, words, biHits);
    if (biHits.length > 0) mergeInto(out.hits, biHits);
  }
  if (patterns && !(wasmAvailable && wasmDigits(n, l.nd, out))) {
    let digitsEnd = 0;
    for (let i = 0; i < l.nd; i++) {
      const j = dig[i] as number;
      if (j >= digitsEnd) digitsEnd = digitsAt(b, n, j, out.digits);
    }
  }
  if (!(wasmAvailable && wasmRuns(n, l.nr, minPiece, decodeInfo, out)))
    for (let i = 0; i < l.nr; i += 3)
      runAt(b, words, ki.pair, n, (r[i] as number) - (r[i + 1] as number), r[i] as number, r[i + 2] as number, minPiece, decodeInfo, out);
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
  // digits counted as the stretch is measured (word j is all such bytes)
  let digits = ((DIGIT_OR_SEP[b[p] as number] as number) >>> 1) + ((DIGIT_OR_SEP[b[p + 1] as number] as number) >>> 1);
  digits += ((DIGIT_OR_SEP[b[p + 2] as number] as number) >>> 1) + ((DIGIT_OR_SEP[b[p + 3] as number] as number) >>> 1);
  let s = p;
  while (s > 0) {
    const d = DIGIT_OR_SEP[b[s - 1] as number] as number;
    if (d === 0) break;
    digits += d >>> 1;
    s--;
  }
  let e = p + 4;
  while (e < n) {
    const d = DIGIT_OR_SEP[b[e] as number] as number;
    if (d === 0) break;
    digits += d >>> 1;
    e++;
  }
  if (digits >= DIGITS) out.push(s, e);
  return (e + 3) >>> 2;
}
