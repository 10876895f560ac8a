/**
 * Finding runs of 12+ BIP-39 wordlist words, on the bytes text-index.ts already has
 * (the text as little-endian 32-bit words). A seed phrase is 12+ wordlist words of
 * 3-8 letters with one separator between them, so it spans at least 12 * 3 + 11 = 47
 * bytes and contains at least 11 whole aligned words; each of those is a 4-gram that
 * can occur inside such a run (a wordlist infix, or a word's end, a separator and the
 * next word's start): a 13 KB bit table over a reduced alphabet (GSYM).
 *
 * So only every 10th aligned word is looked at, with the word after it: both must pass
 * the table (a run's 11 whole words hold such a pair wherever it starts). The index's
 * word pass does that test (text-index.ts: the WebAssembly pass, as it reads every word
 * anyway, or seedProbes here, its JavaScript twin), so no probe touches the text again.
 * Where it passes (a fifth of the probes on the prose-heavy bench corpus: the
 * wordlist is common English words, so are its 4-grams), the word through it starts
 * after its last non-letter (SWAR letter masks) and is looked up exactly (first four
 * letters hashed, the rest compared); only a wordlist word is extended left and right
 * word by word. Prose has a wordlist word at about one probe in five and almost never
 * two in a row (function words are not in the list), so a run is measured only where
 * one is.
 *
 * Which words are probed does not change what is found: a probe inside a run finds the
 * whole run (the steps from word to word are the same left and right), and every run
 * holds a probe that passes. The tests compare it with probing every word.
 *
 * What it costs: nothing on bytes that are not letters and separators, and a word
 * lookup per passing probe on English prose, some 5-10% of the DLP engine's time on the
 * prose-heavy bench:dlp corpus. A sparser probe would miss short phrases;
 * DlpOptions.seedPhrases turns the search off.
 *
 * Separators: one space, comma, newline, CR, tab or '+' (a space in a query string),
 * or ", ", ",\n", "\r\n". Letters are matched case-insensitively.
 *
 * @example
 * const probes = new Int32Array(seedProbeRoom(m));
 * const runs: WordRun[] = [];
 * wordRuns(bytes, words, n, probes, seedProbes(words, m, probes), runs); // runs[0].index: wordlist indexes of the run's words
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
/** Probe spacing: every run of MIN_RUN_WORDS words contains 11 whole aligned words, so a probed word and the one after it (wasm/index-pass.wat steps by it too). */
export const SEED_STRIDE = 10;
/** The first probed word (then every SEED_STRIDE-th). */
export const SEED_FIRST = SEED_STRIDE - 1;
const SEP = 26;
/** Any other byte: a symbol of its own, in no 4-gram of the table. */
const OTHER = 27;
const BASE = 28;
const SEPARATOR_CODES = [32, 44, 10, 13, 9, 43];

/** Byte to symbol: a-z/A-Z 0-25, separators SEP, anything else OTHER (wasm/index-pass.wat WSYM). */
export const SYM = (() => {
  const t = new Uint8Array(256).fill(OTHER);
  for (let c = 0; c < 26; c++) {
    t[65 + c] = c;
    t[97 + c] = c;
  }
  for (const c of SEPARATOR_CODES) t[c] = SEP;
  return t;
})();

const key4 = (a: number, b: number, c: number, d: number): number => ((a * BASE + b) * BASE + c) * BASE + d;

/**
 * The probe's alphabet: the 15 commonest letters in English each a symbol of their
 * own, the 11 rarest one symbol together (it barely loosens the table: prose passes
 * 38% of probes instead of 36%), separators, anything else. It keeps the 4-gram table
 * at 13 KB, small enough to stay in cache between the engine's passes.
 */
const G_SEP = 16;
const G_OTHER = 17;
export const G_BASE = 18;
export const GSYM = (() => {
  const t = new Uint8Array(256).fill(G_OTHER);
  [...'etaoinshrdlcumwfgypbvkjxqz'].forEach((ch, rank) => {
    const c = ch.charCodeAt(0);
    t[c] = Math.min(rank, 15);
    t[c - 32] = Math.min(rank, 15);
  });
  for (const c of SEPARATOR_CODES) t[c] = G_SEP;
  return t;
})();

/** One bit per 4-gram of probe symbols that can occur inside a run of wordlist words. */
export const GRAMS = (() => {
  const bits = new Uint32Array(Math.ceil(G_BASE ** 4 / 32));
  const add = (g: readonly number[]): void => {
    const k = (((g[0] as number) * G_BASE + (g[1] as number)) * G_BASE + (g[2] as number)) * G_BASE + (g[3] as number);
    bits[k >>> 5] = (bits[k >>> 5] as number) | (1 << (k & 31));
  };
  const letters = (w: string): number[] => [...w].map((ch) => GSYM[ch.charCodeAt(0)] as number);
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
        if (suf.length + gap + pre.length === 4) add([...letters(suf), ...Array<number>(gap).fill(G_SEP), ...letters(pre)]);
      }
    }
  }
  return bits;
})();

/**
 * Wordlist words by their first four letters (a 3-letter word: its letters and a
 * SEP): open addressing, keys stored + 1. Every BIP-39 English word is unique in its
 * first four letters. Letters 5-8 of every word, flat, for the exact compare.
 */
const SLOTS = 4096;
const SLOT_KEY = new Int32Array(SLOTS);
const SLOT_WORD = new Int16Array(SLOTS);
/** Per wordlist word its length, and its letters (0-25) 8 bytes a word: the module's WLEN and WTAIL too. */
export const WORD_LEN = Uint8Array.from(wordlist, (w) => w.length);
export const WORD_TAIL = new Uint8Array(wordlist.length * 8);
const slotOf = (k: number): number => Math.imul(k, 0x9e3779b1) >>> 20;
wordlist.forEach((w, i) => {
  const c = [...w].map((ch) => ch.charCodeAt(0) - 97);
  c.forEach((v, at) => (WORD_TAIL[i * 8 + at] = v));
  const k = key4(c[0] as number, c[1] as number, c[2] as number, c.length > 3 ? (c[3] as number) : SEP);
  let slot = slotOf(k);
  while (SLOT_KEY[slot] !== 0) slot = (slot + 1) & (SLOTS - 1);
  SLOT_KEY[slot] = k + 1;
  SLOT_WORD[slot] = i;
});

/** The slots as the module reads them (wasm/index-pass.wat WSLOT): key + 1 in the low 20 bits, the wordlist index above. */
export const WORD_SLOTS = Int32Array.from(SLOT_KEY, (k, slot) => (k === 0 ? 0 : k | ((SLOT_WORD[slot] as number) << 20)));

/** Room for the probes of `m` words. */
export function seedProbeRoom(m: number): number {
  return ((m / SEED_STRIDE) | 0) + 1;
}

/**
 * Every SEED_STRIDE-th word below `m` (from SEED_FIRST) that passes the 4-gram table
 * with the word after it (word m readable: zero padding), to `out`; returns the count.
 * The JavaScript form of the WebAssembly pass's probe (wasm/index-pass.wat).
 */
export function seedProbes(words: Uint32Array, m: number, out: Int32Array): number {
  let k = 0;
  for (let j = SEED_FIRST; j < m; j += SEED_STRIDE) {
    if (gramBit((words[j] as number) | 0) !== 0 && gramBit((words[j + 1] as number) | 0) !== 0) out[k++] = j;
  }
  return k;
}

/** The 4-gram table's bit for the four bytes of `w` (1: they can occur inside a run). */
function gramBit(w: number): number {
  const key =
    (((GSYM[w & 255] as number) * G_BASE + (GSYM[(w >>> 8) & 255] as number)) * G_BASE + (GSYM[(w >>> 16) & 255] as number)) * G_BASE +
    (GSYM[w >>> 24] as number);
  return ((GRAMS[key >>> 5] as number) >>> (key & 31)) & 1;
}

/**
 * Runs of MIN_RUN_WORDS+ wordlist words in the first `n` bytes of `b` (`words` is the
 * same memory as 32-bit words, zero-padded past `n`), appended to `out`, looked for
 * from the probed words `probes[0..count)` (seedProbes; in text order). For a text held
 * whole in the WebAssembly module's memory the module does this (wasm/index-pass.ts
 * wasmWordRuns); this stays as its reference and for the other texts.
 */
export function wordRuns(b: Uint8Array, words: Uint32Array, n: number, probes: ArrayLike<number>, count: number, out: WordRun[]): void {
  let done = 0;
  for (let i = 0; i < count; i++) {
    const j = probes[i] as number;
    if (4 * j < done) continue;
    const s = wordStart(words, j);
    // a word glued to the letters before it is longer than 8: no wordlist word
    done = (SYM[b[s - 1] as number] as number) < SEP ? 4 * j + 4 : runAt(b, n, s, out);
  }
}

/** Bit 7 of each byte of `w` set when that byte is not an ASCII letter (SWAR; no lane carries past 0xff). */
function nonLetters(w: number): number {
  const x = (w | 0x20202020) & 0x7f7f7f7f;
  return ~((x + 0x1f1f1f1f) & ~(x + 0x05050505) & ~w) & 0x80808080;
}

/**
 * Where a word of a run through aligned word `j` starts, without a byte loop: after
 * the last non-letter in word j (inside a run, a separator, so a run word follows), or
 * when j is all letters, the start of the word they belong to (at most 8 letters: it
 * starts in word j - 1, after its last non-letter, or at its first byte).
 */
function wordStart(words: Uint32Array, j: number): number {
  const nj = nonLetters((words[j] as number) | 0);
  if (nj !== 0) return 4 * j + ((31 - Math.clz32(nj)) >>> 3) + 1;
  const np = nonLetters((words[j - 1] as number) | 0);
  return np !== 0 ? 4 * j - 4 + ((31 - Math.clz32(np)) >>> 3) + 1 : 4 * j - 4;
}

/**
 * The run through the word at `start` (or after it, past the second byte of a
 * two-byte separator): the word is looked up, then its neighbours left and right
 * while they are wordlist words one separator away. Returns the byte where looking
 * can resume.
 */
function runAt(b: Uint8Array, n: number, start: number, out: WordRun[]): number {
  const s = (SYM[b[start] as number] as number) < SEP ? start : start + 1;
  const w = wordAt(b, s);
  if (w < 0) return s + 1;
  let first = s;
  let count = 1;
  for (;;) {
    const pe = first - gapBefore(b, first);
    if (pe === first) break;
    let ps = pe;
    while (ps > 0 && pe - ps <= 8 && (SYM[b[ps - 1] as number] as number) < SEP) ps--;
    const i = wordAt(b, ps);
    if (i < 0 || ps + (WORD_LEN[i] as number) !== pe || (ps > 0 && (SYM[b[ps - 1] as number] as number) < SEP)) break;
    first = ps;
    count++;
  }
  let last = s + (WORD_LEN[w] as number);
  for (;;) {
    const ns = last + gapAfter(b, n, last);
    if (ns === last) break;
    const i = wordAt(b, ns);
    if (i < 0) break;
    last = ns + (WORD_LEN[i] as number);
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
    const w = wordAt(b, ws);
    const we = ws + (WORD_LEN[w] as number);
    run.starts.push(ws);
    run.ends.push(we);
    run.index.push(w);
    ws = we + gapAfter(b, n, we);
  }
  return run;
}

/**
 * The wordlist index of the word that starts at `s` (a letter that follows a
 * non-letter), or -1: its first four letters find the one candidate, whose other
 * letters and end are then compared. The bytes past the text are zeros (not letters).
 */
function wordAt(b: Uint8Array, s: number): number {
  const c1 = SYM[b[s + 1] as number] as number;
  const c2 = SYM[b[s + 2] as number] as number;
  if (c1 >= SEP || c2 >= SEP) return -1;
  const c3 = SYM[b[s + 3] as number] as number;
  const k = key4(SYM[b[s] as number] as number, c1, c2, c3 >= SEP ? SEP : c3);
  let slot = slotOf(k);
  for (;;) {
    const v = SLOT_KEY[slot] as number;
    if (v === 0) return -1;
    if (v === k + 1) break;
    slot = (slot + 1) & (SLOTS - 1);
  }
  const w = SLOT_WORD[slot] as number;
  const len = WORD_LEN[w] as number;
  for (let i = 4; i < len; i++) if (SYM[b[s + i] as number] !== WORD_TAIL[w * 8 + i]) return -1;
  return len > 3 && (SYM[b[s + len] as number] as number) < SEP ? -1 : w;
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
