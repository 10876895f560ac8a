/**
 * Finding runs of 12+ BIP-39 wordlist words, on the bytes text-index.ts already has
 * (the text as little-endian 32-bit words). A seed phrase is 12+ wordlist words of
 * 3-8 letters with one separator between them, so it spans at least 12 * 3 + 11 = 47
 * bytes and contains at least 11 whole aligned words; each of those is a 4-gram that
 * can occur inside such a run (a wordlist infix, or a word's end, a separator and the
 * next word's start): ~74 K of the 27^4 letter/separator 4-grams, a 77 KB bit table.
 *
 * So only every 11th aligned word is looked at: one table test per 44 bytes. Where it
 * passes (about half the time in English prose, whose 4-grams are the wordlist's),
 * the word there is looked up exactly (first four letters hashed, then compared), and
 * only a wordlist word is extended left and right word by word. English prose rarely
 * has two wordlist words in a row (function words are not in the list), so a probe
 * costs a few nanoseconds and a run is measured only where one exists.
 *
 * Separators: one space, comma, newline, CR, tab or '+' (a space in a query string),
 * or ", ", ",\n", "\r\n". Letters are matched case-insensitively.
 *
 * @example
 * const runs: WordRun[] = [];
 * wordRuns(bytes, words, n, runs); // runs[0].index: wordlist indexes of the run's words
 */
import { wordlist } from '@scure/bip39/wordlists/english.js';

/** A run of wordlist words: per word its [start, end) in the text and its wordlist index. */
export interface WordRun {
  starts: number[];
  ends: number[];
  index: number[];
}

/** Words in a run worth reporting (the shortest phrase). */
export const MIN_RUN_WORDS = 12;
/** Whole aligned words every run of MIN_RUN_WORDS words contains. */
const STRIDE = 11;
const SEP = 26;
/** Any other byte: a symbol of its own, in no 4-gram of the table. */
const OTHER = 27;
const BASE = 28;
const SEPARATOR_CODES = [32, 44, 10, 13, 9, 43];

/** Byte to symbol: a-z/A-Z 0-25, separators SEP, anything else OTHER. */
const SYM = (() => {
  const t = new Uint8Array(256).fill(OTHER);
  for (let c = 0; c < 26; c++) {
    t[65 + c] = c;
    t[97 + c] = c;
  }
  for (const c of SEPARATOR_CODES) t[c] = SEP;
  return t;
})();

const key4 = (a: number, b: number, c: number, d: number): number => ((a * BASE + b) * BASE + c) * BASE + d;

/** One bit per 4-gram of symbols that can occur inside a run of wordlist words. */
const GRAMS = (() => {
  const bits = new Uint32Array(Math.ceil(BASE ** 4 / 32));
  const add = (s: readonly number[]): void => {
    const k = key4(s[0] as number, s[1] as number, s[2] as number, s[3] as number);
    bits[k >>> 5] = (bits[k >>> 5] as number) | (1 << (k & 31));
  };
  const letters = (w: string): number[] => [...w].map((ch) => ch.charCodeAt(0) - 97);
  const suffixes = new Set<string>();
  const prefixes = new Set<string>();
  for (const w of wordlist) {
    for (let i = 0; i + 4 <= w.length; i++) add(letters(w.slice(i, i + 4)));
    for (let k = 0; k <= 3; k++) {
      suffixes.add(w.slice(w.length - k));
      prefixes.add(w.slice(0, k));
    }
  }
  // a word's end, one or two separators, the next word's start
  for (const suf of suffixes) {
    for (let gap = 1; gap <= 2; gap++) {
      for (const pre of prefixes) {
        if (suf.length + gap + pre.length === 4) add([...letters(suf), ...Array<number>(gap).fill(SEP), ...letters(pre)]);
      }
    }
  }
  return bits;
})();

/**
 * Wordlist words by their first four letters (a 3-letter word: its letters and a
 * SEP): open addressing, keys stored + 1. Every BIP-39 English word is unique in its
 * first four letters.
 */
const SLOTS = 4096;
const SLOT_KEY = new Int32Array(SLOTS);
const SLOT_WORD = new Int16Array(SLOTS);
const WORD_CODES = wordlist.map((w) => Uint8Array.from(w, (ch) => ch.charCodeAt(0) - 97));
const slotOf = (k: number): number => Math.imul(k, 0x9e3779b1) >>> 20;
WORD_CODES.forEach((c, i) => {
  const k = key4(c[0] as number, c[1] as number, c[2] as number, c.length > 3 ? (c[3] as number) : SEP);
  let s = slotOf(k);
  while (SLOT_KEY[s] !== 0) s = (s + 1) & (SLOTS - 1);
  SLOT_KEY[s] = k + 1;
  SLOT_WORD[s] = i;
});

/** Candidate probe words (reused). */
let cand = new Int32Array(1 << 12);

/**
 * Runs of MIN_RUN_WORDS+ wordlist words in the first `n` bytes of `b` (`words` is the
 * same memory as 32-bit words, zero-padded past `n`), appended to `out`.
 */
export function wordRuns(b: Uint8Array, words: Uint32Array, n: number, out: WordRun[]): void {
  const m = (n + 3) >>> 2;
  const size = ((m / STRIDE) | 0) + 1;
  if (cand.length < size) cand = new Int32Array(size);
  const k = probeLoop(words, m, cand);
  let done = 0;
  for (let i = 0; i < k; i++) {
    const p = 4 * (cand[i] as number);
    if (p >= done) done = runAt(b, n, p, out);
  }
}

/** Every STRIDE-th word that passes the 4-gram table, to `c`; returns the count. No calls inside. */
function probeLoop(words: Uint32Array, m: number, c: Int32Array): number {
  let k = 0;
  for (let j = STRIDE - 1; j < m; j += STRIDE) {
    const w = (words[j] as number) | 0;
    const key = (((SYM[w & 255] as number) * BASE + (SYM[(w >>> 8) & 255] as number)) * BASE + (SYM[(w >>> 16) & 255] as number)) * BASE + (SYM[w >>> 24] as number);
    if ((((GRAMS[key >>> 5] as number) >>> (key & 31)) & 1) !== 0) c[k++] = j;
  }
  return k;
}

/**
 * The run through the word at `p` (or the first word after it; `p` starts a 4-gram
 * that passed): the word is looked up, then neighbours left and right while they are
 * wordlist words one separator away. Returns the byte where looking can resume.
 */
function runAt(b: Uint8Array, n: number, p: number, out: WordRun[]): number {
  let q = p;
  while (q < p + 4 && (SYM[b[q] as number] as number) >= SEP) q++;
  let s = q;
  while (s > 0 && (SYM[b[s - 1] as number] as number) < SEP) s--;
  let e = q;
  while (e < n && (SYM[b[e] as number] as number) < SEP) e++;
  if (lookup(b, s, e) < 0) return e;
  let first = s;
  let count = 1;
  for (;;) {
    const pe = first - gapBefore(b, first);
    if (pe === first) break;
    let ps = pe;
    while (ps > 0 && (SYM[b[ps - 1] as number] as number) < SEP) ps--;
    if (lookup(b, ps, pe) < 0) break;
    first = ps;
    count++;
  }
  let last = e;
  for (;;) {
    const ns = last + gapAfter(b, n, last);
    if (ns === last) break;
    let ne = ns;
    while (ne < n && (SYM[b[ne] as number] as number) < SEP) ne++;
    if (lookup(b, ns, ne) < 0) break;
    last = ne;
    count++;
  }
  if (count >= MIN_RUN_WORDS) out.push(collect(b, n, first, count));
  return last;
}

/** The `count` words of the run that starts at `s` (already checked). */
function collect(b: Uint8Array, n: number, s: number, count: number): WordRun {
  const run: WordRun = { starts: [], ends: [], index: [] };
  let ws = s;
  for (let i = 0; i < count; i++) {
    let we = ws;
    while ((SYM[b[we] as number] as number) < SEP) we++;
    run.starts.push(ws);
    run.ends.push(we);
    run.index.push(lookup(b, ws, we));
    ws = we + gapAfter(b, n, we);
  }
  return run;
}

/** The wordlist index of the letters [s, e), or -1. */
function lookup(b: Uint8Array, s: number, e: number): number {
  const len = e - s;
  if (len < 3 || len > 8) return -1;
  const k = key4(SYM[b[s] as number] as number, SYM[b[s + 1] as number] as number, SYM[b[s + 2] as number] as number, len > 3 ? (SYM[b[s + 3] as number] as number) : SEP);
  let slot = slotOf(k);
  for (;;) {
    const v = SLOT_KEY[slot] as number;
    if (v === 0) return -1;
    if (v === k + 1) break;
    slot = (slot + 1) & (SLOTS - 1);
  }
  const w = SLOT_WORD[slot] as number;
  const codes = WORD_CODES[w] as Uint8Array;
  if (codes.length !== len) return -1;
  for (let i = 4; i < len; i++) if (SYM[b[s + i] as number] !== codes[i]) return -1;
  return w;
}

/** Separator bytes ending at `ws` (the start of a word): 1, 2 (", ", ",\n", "\r\n"), or 0. */
function gapBefore(b: Uint8Array, ws: number): number {
  if (ws < 4 || SYM[b[ws - 1] as number] !== SEP) return 0;
  const c = b[ws - 2] as number;
  return (c === 44 || c === 13) && c !== b[ws - 1] ? 2 : 1;
}

/** Separator bytes starting at `we` (the end of a word): 1, 2, or 0. */
function gapAfter(b: Uint8Array, n: number, we: number): number {
  if (we + 1 >= n || SYM[b[we] as number] !== SEP) return 0;
  const c = b[we] as number;
  return (c === 44 || c === 13) && we + 2 < n && SYM[b[we + 1] as number] === SEP && b[we + 1] !== c ? 2 : 1;
}
