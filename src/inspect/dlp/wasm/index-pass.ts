/**
 * The index's word pass as one WebAssembly loop (index-pass.wat): the same candidate
 * lists as index-loops.ts's JavaScript loops, in about a third of their time (16 bytes
 * a step, byte classes by SIMD compares, no bounds checks or tagged integers, one fused
 * loop where the JS needs three to stay fast), then the seed-phrase probe (word-runs.ts
 * seedProbes) over the same block while it is in cache. For a text held whole in the
 * module's memory, the candidates are then verified there too (wasmTrigramHits,
 * wasmGapStarts, wasmRuns, wasmDigits, wasmWordRuns: ports of the JS functions named at each, which
 * stay for longer texts and as the reference), handing back the same results in the
 * same order.
 *
 * One module instance for the process, with its own memory (2.5 MB, fixed): the keyword
 * index's tables (~240 KB, copied in when a scan uses another index than the last one: a
 * gate has one per config load, so that is once per reload), the text's
 * words block by block, and the candidate lists. A text up to BLOCK_BYTES is written
 * straight into that memory (`textBuffer`), so the rest of the index reads the same
 * bytes; a longer one is copied in a block at a time. Without WebAssembly (`node
 * --jitless`), `wasmAvailable` is false and the JS loops run.
 *
 * @example
 * const t = textBuffer(); // write the text's n bytes to t.bytes, then 16 zeros
 * const lists = wasmPass(ki, t.words, ((n + 3) >>> 2) + 1, passLists);
 */
import type { KeywordIndex } from '../keyword-index.js';
import { CLS, DIGIT_OR_SEP, insertSorted } from '../keyword-index.js';
import type { PassLists } from '../index-loops.js';
import { INDEX_PASS_WASM } from './index-pass-wasm.js';
import { GRAMS, GSYM, SEED_FIRST, SEED_STRIDE, seedProbeRoom, SYM, WORD_LEN, WORD_SLOTS, WORD_TAIL } from '../word-runs.js';
import type { WordRun } from '../word-runs.js';
import { instantiateWasm } from '../../wasm.js';
import { BODY, GAP_SEP, HEX } from '../regrouped.js';
import { B64_GROUP, B64V, HEX_HI_PRINTABLE, HEXV } from '../run-kinds.js';

/** Where each table and list sits in the module's memory (index-pass.wat reads the same offsets). */
const AT = {
  pair: 0,
  tri: 0x20000,
  needle: 0x30000,
  counts: 0x38100,
  compress: 0x38200,
  teddy: 0x38300,
  gapSep: 0x38400,
  body: 0x38500,
  hex: 0x38600,
  cls: 0x38700,
  hexv: 0x38800,
  hexHi: 0x38900,
  b64Group: 0x38a00,
  b64v: 0x38b00,
  digitOrSep: 0x38c00,
  gaps: 0x130000,
  triBits: 0x150000,
  triRank: 0x152000,
  bucketStart: 0x153000,
  triEntries: 0x191000,
  kwAt: 0x1a1000,
  kwBytes: 0x1a9000,
  hits: 0x1b1000,
  runs: 0x1f2000,
  kinds: 0x203000,
  pieces: 0x20c000,
  digits: 0x24c000,
  text: 0x40000,
  gsym: 0x127000,
  grams: 0x127100,
  wsym: 0x159000,
  wlen: 0x159100,
  wtail: 0x15a000,
  wslot: 0x15e000,
  wbloom: 0x162000,
  wruns: 0x163000,
} as const;
/** Output regions: tri, needle, bigram, digit, run, group, seed (seedProbeRoom(BLOCK_WORDS) entries), zero-x (BLOCK_WORDS / 4). */
const OUT = [0x61000, 0x82000, 0xa3000, 0xc4000, 0xe5000, 0x106000, 0x12b000, 0x1d1000] as const;
/** Words of one block (the output regions hold 0x21000 bytes each); a multiple of 4, as the pass steps 16 bytes. */
const BLOCK_WORDS = 32768;
/** Texts up to this many bytes sit in the module's memory whole (with 16+ bytes of zero padding). */
export const BLOCK_BYTES = 4 * BLOCK_WORDS - 32;

interface Pass {
  mem: { buffer: ArrayBuffer };
  reset(): void;
  pass(j0: number, nw: number, needles: number): void;
  seeds(j0: number, nw: number, from: number): void;
  gaps(n: number, ng: number): number;
  trihits(n: number, nt: number): number;
  runs(n: number, nr: number, minPiece: number, decodeInfo: number): number;
  digits(n: number, nd: number): number;
  wruns(n: number, ns: number): number;
  lookalikes(nw: number): void;
  lookalikeSeen(): number;
}
/** Room for the keyword tables (index-pass.wat TRIENT, KWAT, KWBYTES). */
const MAX_TRI_ENTRIES = 5461;
const MAX_KEYWORDS = 4096;
const MAX_KEYWORD_BYTES = 0x8000;

/**
 * Per 4-bit mask of a step's four words: the byte swizzle that moves the 32-bit lanes
 * whose bit is set to the front, in order (the others read as zero). Storing the step's
 * word indexes through it and advancing the count by the mask's popcount appends the
 * candidates without a branch.
 */
export const COMPRESS = (() => {
  const t = new Uint8Array(256).fill(0x80);
  for (let mask = 0; mask < 16; mask++) {
    let o = 0;
    for (let lane = 0; lane < 4; lane++) {
      if ((mask & (1 << lane)) === 0) continue;
      for (let b = 0; b < 4; b++) t[16 * mask + 4 * o + b] = 4 * lane + b;
      o++;
    }
  }
  return t;
})();

/**
 * The bigram anchors' nibble tables (the "Teddy" filter of Hyperscan): anchors (folded
 * 16-bit pairs, first byte low) go into 8 buckets, a bit each; a pair may be an anchor
 * of bucket k when bit k is set in all four tables at its bytes' nibbles (first byte low,
 * high; second byte low, high). A bucket of one anchor passes that anchor only; a bucket
 * of several also passes the crossings of their nibbles, so anchors are merged into
 * buckets that add the fewest (the pass checks each candidate in the pair table).
 */
export function teddyTables(anchors: readonly number[]): Uint8Array {
  const nibbles = (k: number): number[] => [k & 15, (k >>> 4) & 15, (k >>> 8) & 15, k >>> 12];
  const crossings = (g: readonly number[]): number => {
    const sets = [new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>()];
    for (const k of g) nibbles(k).forEach((x, i) => (sets[i] as Set<number>).add(x));
    return sets.reduce((a, s) => a * s.size, 1);
  };
  let groups = anchors.map((k) => [k]);
  if (groups.length > 64) {
    // many operator keywords: bucketed by their second byte's low bits (the merge below is cubic)
    groups = Array.from({ length: 8 }, (_, bucket) => anchors.filter((k) => ((k >>> 8) & 7) === bucket));
  }
  while (groups.length > 8) {
    let best = [Infinity, 0, 1];
    for (let a = 0; a < groups.length; a++)
      for (let b = a + 1; b < groups.length; b++) {
        const c = crossings([...(groups[a] as number[]), ...(groups[b] as number[])]);
        if (c < (best[0] as number)) best = [c, a, b];
      }
    const [, a, b] = best as [number, number, number];
    groups[a] = [...(groups[a] as number[]), ...(groups[b] as number[])];
    groups.splice(b, 1);
  }
  const t = new Uint8Array(64);
  groups.forEach((g, bucket) => {
    for (const k of g) nibbles(k).forEach((x, i) => (t[16 * i + x] = (t[16 * i + x] as number) | (1 << bucket)));
  });
  return t;
}

const instance = ((): Pass | undefined => {
  // Without WebAssembly (--jitless) or on a big-endian host (the text's words are read little-endian on both sides) the JS loops run.
  const exp = instantiateWasm<Pass>(INDEX_PASS_WASM);
  if (exp !== undefined) {
    const mem = new Uint8Array(exp.mem.buffer);
    mem.set(COMPRESS, AT.compress);
    mem.set(GAP_SEP, AT.gapSep);
    mem.set(BODY, AT.body);
    mem.set(HEX, AT.hex);
    mem.set(CLS, AT.cls);
    mem.set(HEXV, AT.hexv);
    mem.set(HEX_HI_PRINTABLE, AT.hexHi);
    mem.set(B64_GROUP, AT.b64Group);
    mem.set(B64V, AT.b64v);
    mem.set(DIGIT_OR_SEP, AT.digitOrSep);
    mem.set(GSYM, AT.gsym);
    mem.set(new Uint8Array(GRAMS.buffer, GRAMS.byteOffset, GRAMS.byteLength), AT.grams);
    mem.set(SYM, AT.wsym);
    mem.set(WORD_LEN, AT.wlen);
    mem.set(WORD_TAIL, AT.wtail);
    new Int32Array(exp.mem.buffer, AT.wslot, WORD_SLOTS.length).set(WORD_SLOTS);
    // a bit per 15-bit hash of the wordlist's keys and lengths: wruns drops the probes whose word has none
    const bloom = new Int32Array(exp.mem.buffer, AT.wbloom, 1024);
    for (const v of WORD_SLOTS) {
      if (v === 0) continue;
      const h = Math.imul((v & 0xfffff) - 1 + ((WORD_LEN[v >>> 20] as number) << 20), 0x9e3779b1) >>> 17;
      bloom[h >>> 5] = (bloom[h >>> 5] as number) | (1 << (h & 31));
    }
  }
  return exp;
})();

/** Whether the WebAssembly pass is in use; tests turn it off to compare with the JS loops. */
export let wasmAvailable = instance !== undefined;
export function useWasm(on: boolean): void {
  wasmAvailable = on && instance !== undefined;
}

const memBytes = instance === undefined ? new Uint8Array(0) : new Uint8Array(instance.mem.buffer);
const memInts = instance === undefined ? new Int32Array(0) : new Int32Array(instance.mem.buffer);
const counts = instance === undefined ? new Int32Array(11) : new Int32Array(instance.mem.buffer, AT.counts, 11);
/** The text block as bytes and words (views of the module's memory). */
const textBytes = instance === undefined ? Buffer.alloc(0) : Buffer.from(instance.mem.buffer, AT.text, 4 * BLOCK_WORDS + 32);
const textWords = instance === undefined ? new Uint32Array(0) : new Uint32Array(instance.mem.buffer, AT.text, BLOCK_WORDS + 8);
/** The lists of a one-block text: views of the output regions. */
const view = (k: number, len: number): Int32Array => new Int32Array(memInts.buffer, OUT[k], len);
const v = (k: number): Int32Array => view(k, BLOCK_WORDS + 8);
const blockLists: PassLists | undefined =
  instance === undefined
    ? undefined
    : {
        tri: v(0),
        nt: 0,
        needle: v(1),
        nn: 0,
        bi: v(2),
        nb: 0,
        dig: v(3),
        nd: 0,
        run: v(4),
        nr: 0,
        grp: v(5),
        ng: 0,
        seed: view(6, seedProbeRoom(BLOCK_WORDS)),
        ns: 0,
        zx: view(7, BLOCK_WORDS / 4 + 8),
        nz: 0,
      };

/** The module's text block as a byte buffer and its words, for a text of at most BLOCK_BYTES bytes. */
export function textBuffer(): { bytes: Buffer<ArrayBuffer>; words: Uint32Array<ArrayBuffer> } {
  return { bytes: textBytes, words: textWords };
}

/** The serial of the index whose tables are in the module's memory (0: none). */
let tablesOf = 0;
/** Whether that index's keyword tables fit the module (else its trigram anchors are verified in JS). */
let keywordsIn = false;

function loadTables(ki: KeywordIndex): void {
  if (tablesOf === ki.serial) return;
  memBytes.set(new Uint8Array(ki.pair.buffer, ki.pair.byteOffset, ki.pair.byteLength), AT.pair);
  memBytes.set(ki.triFilter, AT.tri);
  memBytes.set(new Uint8Array(ki.needleFilter.buffer, ki.needleFilter.byteOffset, ki.needleFilter.byteLength), AT.needle);
  memBytes.set(teddyTables([...ki.biAnchors.keys()]), AT.teddy);
  const bytes = ki.kwCodes.reduce((a, c) => a + c.length, 0);
  keywordsIn = ki.triKey.length <= MAX_TRI_ENTRIES && ki.kwCodes.length <= MAX_KEYWORDS && bytes <= MAX_KEYWORD_BYTES;
  if (keywordsIn) {
    // triAt (256 KB) as the buckets' starts in hash order, found by rank: a bit per hash with a bucket
    const bits = new Uint8Array(8192);
    const rank = new Uint16Array(1024);
    const starts: number[] = [];
    for (let h = 0; h < 65536; h++) {
      if ((h & 63) === 0) rank[h >>> 6] = starts.length;
      if ((ki.triAt[h + 1] as number) === (ki.triAt[h] as number)) continue;
      bits[h >>> 3] = (bits[h >>> 3] as number) | (1 << (h & 7));
      starts.push(ki.triAt[h] as number);
    }
    starts.push(ki.triAt[65536] as number);
    memBytes.set(bits, AT.triBits);
    memBytes.set(new Uint8Array(rank.buffer), AT.triRank);
    memInts.set(starts, AT.bucketStart >>> 2);
    for (let e = 0; e < ki.triKey.length; e++)
      memInts.set([ki.triKey[e] as number, ki.triKw[e] as number, ki.triOff[e] as number], (AT.triEntries >>> 2) + 3 * e);
    let at = 0;
    ki.kwCodes.forEach((c, k) => {
      memInts.set([at, c.length], (AT.kwAt >>> 2) + 2 * k);
      memBytes.set(c, AT.kwBytes + at);
      at += c.length;
    });
  }
  tablesOf = ki.serial;
}

/**
 * Words 0..m-1 of `words` (word m readable) through the pass. When `words` is the
 * module's text block (textBuffer) the returned lists are views of its memory, valid
 * until the next call; otherwise the text is copied in block by block and the lists
 * are `spill(m)` (with room for m words; grp m + 1). Without `seeds`, no seed-phrase
 * probes (`ns` is 0).
 */
export function wasmPass(ki: KeywordIndex, words: Uint32Array, m: number, spill: (m: number) => PassLists, seeds = true, lookalikes = false): PassLists {
  const w = instance as Pass;
  loadTables(ki);
  w.reset();
  const needles = ki.hasNeedles ? ki.needleStride : 0;
  inBlock = words === textWords && m <= BLOCK_WORDS;
  if (inBlock) {
    const out = blockLists as PassLists;
    w.pass(0, m, needles);
    if (lookalikes) w.lookalikes(m);
    if (seeds) w.seeds(0, m, SEED_FIRST);
    out.nt = counts[0] as number;
    out.nn = counts[1] as number;
    out.nb = counts[2] as number;
    out.nd = counts[3] as number;
    out.nr = counts[4] as number;
    out.ng = counts[5] as number;
    out.ns = seeds ? (counts[6] as number) : 0;
    out.nz = counts[7] as number;
    return out;
  }
  const out = spill(m);
  out.nt = out.nn = out.nb = out.nd = out.nr = out.ng = out.ns = out.nz = 0;
  for (let j0 = 0; j0 < m; j0 += BLOCK_WORDS) {
    const nw = Math.min(BLOCK_WORDS, m - j0);
    textWords.set(words.subarray(j0, j0 + nw + 1));
    w.pass(j0, nw, needles);
    if (lookalikes) w.lookalikes(nw);
    // the block's first probed word: probes are every SEED_STRIDE-th word of the whole text
    if (seeds) w.seeds(j0, nw, j0 + ((SEED_FIRST - (j0 % SEED_STRIDE) + SEED_STRIDE) % SEED_STRIDE));
    out.nt = take(0, out.tri, out.nt);
    out.nn = take(1, out.needle, out.nn);
    out.nb = take(2, out.bi, out.nb);
    out.nd = take(3, out.dig, out.nd);
    out.nr = take(4, out.run, out.nr);
    out.ng = take(5, out.grp, out.ng);
    if (seeds) out.ns = take(6, out.seed, out.ns);
    out.nz = take(7, out.zx, out.nz);
  }
  return out;
}

/** Whether the text of the last wasmPass has an `=` right before a CR or LF (where a quoted-printable soft break may be). */
export function wasmSoftBreakSeen(): boolean {
  return counts[9] !== 0;
}

/** Whether the last wasmPass (asked for look-alikes) found a Greek, Cyrillic, Armenian or accented Latin letter next to a token's ASCII. */
export function wasmLookalikeSeen(): boolean {
  return (instance as Pass).lookalikeSeen() !== 0;
}

/** Whether the text of the last wasmPass has an ASCII control other than NUL, a tab or a line break (foldUnicode drops those inside text). */
export function wasmControlSeen(): boolean {
  return counts[10] !== 0;
}

/** Whether the last wasmPass had its text in the module's memory whole (its lists are views of it). */
let inBlock = false;

/**
 * regrouped.ts gapStarts (the same starts, in the same order, to `out`) for the text of
 * the last wasmPass, from its group list's first `ng` words (the caller may have added
 * one): in the module, when that text is in its memory whole. False when it is not, or
 * the starts do not fit; the caller then runs gapStarts.
 */
export function wasmGapStarts(n: number, ng: number, out: { groupStarts: number[] }): boolean {
  if (!inBlock) return false;
  const k = (instance as Pass).gaps(n, ng);
  if (k < 0) return false;
  out.groupStarts = appendInts(out.groupStarts, AT.gaps >>> 2, k);
  return true;
}

/**
 * keyword-index.ts trigramsAt for each of the last wasmPass's `nt` trigram candidates
 * (the same [keyword, start] hits, inserted into `hits` in the same order), in the
 * module, when that text is in its memory whole and the index's keyword tables fit.
 * False otherwise (or when the hits do not fit); the caller then runs trigramsAt.
 */
export function wasmTrigramHits(n: number, nt: number, hits: number[]): boolean {
  if (!inBlock || !keywordsIn) return false;
  const k = (instance as Pass).trihits(n, nt);
  if (k < 0) return false;
  const from = AT.hits >>> 2;
  for (let i = 0; i < k; i += 2) insertSorted(hits, memInts[from + i] as number, memInts[from + i + 1] as number);
  return true;
}

/**
 * text-index.ts runAt for each of the last wasmPass's run triples (`nr` ints): the same
 * runs, kinds and alnum pieces appended to `out` in the same order, in the module, when
 * that text is in its memory whole (and minPiece >= 1). False otherwise (or when the
 * pieces do not fit), with `out` untouched; the caller then runs runAt.
 */
export function wasmRuns(n: number, nr: number, minPiece: number, decodeInfo: boolean, out: { runs: number[]; kinds: number[]; pieces: number[] }): boolean {
  if (!inBlock || minPiece < 1) return false;
  const k = (instance as Pass).runs(n, nr, minPiece, decodeInfo ? 1 : 0);
  if (k < 0) return false;
  out.runs = appendInts(out.runs, AT.runs >>> 2, 2 * k);
  out.kinds = appendInts(out.kinds, AT.kinds >>> 2, k);
  out.pieces = appendInts(out.pieces, AT.pieces >>> 2, counts[8] as number);
  return true;
}

/**
 * text-index.ts digitsAt over the last wasmPass's `nd` digit words (the same stretches,
 * appended to `out` in the same order), in the module, when that text is in its memory
 * whole. False otherwise (or when they do not fit), with `out` untouched.
 */
export function wasmDigits(n: number, nd: number, out: { digits: number[] }): boolean {
  if (!inBlock) return false;
  const k = (instance as Pass).digits(n, nd);
  if (k < 0) return false;
  out.digits = appendInts(out.digits, AT.digits >>> 2, k);
  return true;
}

/**
 * word-runs.ts wordRuns over the last wasmPass's `ns` seed-phrase probes: the same runs
 * appended to `out` in the same order, in the module, when that text is in its memory
 * whole. False otherwise (or when the runs do not fit), with `out` untouched.
 */
export function wasmWordRuns(n: number, ns: number, out: WordRun[]): boolean {
  if (!inBlock) return false;
  const k = (instance as Pass).wruns(n, ns);
  if (k < 0) return false;
  let at = AT.wruns >>> 2;
  const end = at + k;
  while (at < end) {
    const count = memInts[at++] as number;
    const run: WordRun = { starts: [], ends: [], index: [] };
    for (let i = 0; i < count; i++, at += 3) {
      run.starts.push(memInts[at] as number);
      run.ends.push(memInts[at + 1] as number);
      run.index.push(memInts[at + 2] as number);
    }
    out.push(run);
  }
  return true;
}

/**
 * `to` and then the `count` ints of the module's memory at int index `from`: a new array
 * made at its length (pushed one by one, a list grows by copies: most of the garbage an
 * index made; and setting an array's length is a runtime call).
 */
function appendInts(to: number[], from: number, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = memInts[from + i] as number;
  return to.length === 0 ? out : to.concat(out);
}

/** Append output list k of the last block to `to` at `at`; returns the new count. */
function take(k: number, to: Int32Array, at: number): number {
  const c = counts[k] as number;
  const from = (OUT[k] as number) >>> 2;
  to.set(memInts.subarray(from, from + c), at);
  return at + c;
}
