/**
 * The index's word pass in JavaScript: the reference the WebAssembly pass
 * (wasm/index-pass.ts) is tested against, and what runs where WebAssembly is not
 * available (`node --jitless`). Per little-endian 32-bit word of the text: two
 * trigram-filter tests and one needle-filter test, two 64 K-entry class loads (one
 * per 16-bit half), all branch-free; only candidate word indexes are recorded. Every
 * tenth word also gets the seed-phrase probe (word-runs.ts).
 *
 * The loops never call out: a call in the loop gets inlined and the loop runs ~2x
 * slower. Candidates are verified afterwards (text-index.ts), in text order.
 *
 * @example
 * const out = passLists(words.length);
 * jsPass(keywordIndex, words, m, out); // out.tri[0..out.nt): trigram candidate words
 */
import type { KeywordIndex } from './keyword-index.js';
import { seedProbeRoom, seedProbes } from './word-runs.js';
import { NEEDLE_FILTER_BITS, P_ANCHOR, P_DIGIT2, P_GROUP_SEP, P_HEX_SEP2, P_PAIR_SEP, P_RUN2, P_UPPER_DIGIT, TRI_FILTER_BITS } from './keyword-index.js';

/** Candidate word indexes of one pass, each list in text order with its count. */
export interface PassLists {
  /** Trigram filter hits (anchors at 4j and 4j + 2). */
  tri: Int32Array;
  nt: number;
  /** Needle filter hits. */
  needle: Int32Array;
  nn: number;
  /** Bigram anchors (P_ANCHOR in either half). */
  bi: Int32Array;
  nb: number;
  /** Whole digit words (digits, spaces, dashes only). */
  dig: Int32Array;
  nd: number;
  /** Ends of streaks of RUN_WORDS+ whole-run words: [end word, streak, classes] triples (nr ints). */
  run: Int32Array;
  nr: number;
  /** Words that may hold the separator between two equal tokens (one slot spare for the caller). */
  grp: Int32Array;
  ng: number;
  /** Seed-phrase probes that pass (word-runs.ts seedProbes). */
  seed: Int32Array;
  ns: number;
  /** 16-byte steps (their first word, a multiple of 4) holding a '0' before an 'x' or 'X': regrouped.ts regroupStarts' `0x` prefixes. */
  zx: Int32Array;
  nz: number;
}

/** Words of run bytes that every run of 15+ bytes contains. */
export const RUN_WORDS = 3;
const P_RUN2_SHIFT = 31 - Math.clz32(P_RUN2);
const GROUP_SHIFT = 31 - Math.clz32(P_GROUP_SEP);
const UPPER_DIGIT_SHIFT = 31 - Math.clz32(P_UPPER_DIGIT);
if (P_PAIR_SEP !== P_GROUP_SEP << 1 || P_HEX_SEP2 !== P_GROUP_SEP << 2 || UPPER_DIGIT_SHIFT !== 15)
  throw new Error('index-loops: group probe bits out of place');
/**
 * Whether word j-2 may hold the separator between two equal tokens, by [its separator
 * bits (3) | upper-or-digit of j-4..j (5)]: hex digits and separators only, with a pair
 * separator; or a group separator with an upper-case letter or digit in j-4..j-2 and
 * in j-2..j.
 */
export const GROUP_LATE = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    const seps = i >>> 5;
    const hexPair = (seps & 6) === 6;
    const group = (seps & 1) !== 0 && (i & 0x1c) !== 0 && (i & 7) !== 0;
    t[i] = hexPair || group ? 1 : 0;
  }
  return t;
})();

/** Lists with room for `m` words (grp one more). */
export function passLists(m: number): PassLists {
  const z = (k: number): Int32Array => new Int32Array(k);
  return {
    tri: z(m),
    nt: 0,
    needle: z(m),
    nn: 0,
    bi: z(m),
    nb: 0,
    dig: z(m),
    nd: 0,
    run: z(3 * ((m >>> 2) + 1)),
    nr: 0,
    grp: z(m + 1),
    ng: 0,
    seed: z(seedProbeRoom(m)),
    ns: 0,
    zx: z((m >>> 2) + 2),
    nz: 0,
  };
}

/** Words 0..m-1 of `words` (word m readable: zero padding), candidates to `out`. */
export function jsPass(ki: KeywordIndex, words: Uint32Array, m: number, out: PassLists): void {
  out.nt = trigramLoop(ki.triFilter, words, m, out.tri);
  out.nn = ki.hasNeedles ? needleLoop(ki.needleFilter, words, m, ki.needleStride, out.needle) : 0;
  classLoop(ki.pair, words, m, out);
  out.ns = seedProbes(words, m, out.seed);
  out.nz = zeroXLoop(words, m, out.zx);
}

/** The steps of 16 bytes (four words from a multiple of 4 below m) with a '0' before an 'x' or 'X' (the step's last byte before the next step's first). */
function zeroXLoop(words: Uint32Array, m: number, out: Int32Array): number {
  let k = 0;
  const byte = (i: number): number => ((words[i >>> 2] ?? 0) >>> ((i & 3) * 8)) & 255;
  for (let j = 0; j < m; j += 4) {
    for (let i = 4 * j; i < 4 * j + 16; i++) {
      if (byte(i) === 48 && (byte(i + 1) | 0x20) === 120) {
        out[k++] = j;
        break;
      }
    }
  }
  return k;
}

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

/** The needle filter (one bit test per word, or per even word: `stride`); candidate words to `cand`. */
function needleLoop(needleFilter: Uint32Array, words: Uint32Array, m: number, stride: number, cand: Int32Array): number {
  const nshift = 32 - NEEDLE_FILTER_BITS;
  let k = 0;
  for (let j = 0; j < m; j += stride) {
    const hn = Math.imul((words[j] as number) | 0, 0x9e3779b1) >>> nshift;
    if ((((needleFilter[hn >>> 5] as number) >>> (hn & 31)) & 1) !== 0) cand[k++] = j;
  }
  return k;
}

/**
 * Per word, the classes of its two halves: bigram anchors, whole digit words, the ends
 * of streaks of 3+ whole-run words ([end word, streak, classes]), and words that may
 * hold the separator between two equal tokens (two words late: a word of only hex
 * digits and separators, with one; or a group separator with an upper-case letter or
 * digit within two words on each side, as two base64 groups of 4 to 8 chars each hold one).
 */
function classLoop(pair: Uint16Array, words: Uint32Array, m: number, out: PassLists): void {
  const { bi, dig, run: runs, grp } = out;
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
    if (GROUP_LATE[((sh >>> 6) << 5) | ud] !== 0) grp[kg++] = j - 2;
  }
  out.nb = kb;
  out.nd = kd;
  out.nr = kr;
  out.ng = kg;
}
