/**
 * The prefilter's dictionary: keywords (case-insensitive, 3+ chars) and known-secret
 * needles (exact), laid out for the word-at-a-time scan in text-index.ts.
 *
 * The scan reads the text as little-endian 32-bit words, so it looks at every *second*
 * position for keywords and every *fourth* for needles:
 *
 * - keywords: an occurrence starting at `s` covers the even position `s` or `s + 1`,
 *   so each keyword registers one anchor at an even offset and one at an odd offset,
 *   its rarest trigrams by English/code letter frequency (a 3-char keyword: itself at
 *   offset 0, and its last two chars as a bigram at offset 1). Trigram anchors go in a
 *   64 Kbit hashed filter (two tests per word); bigram anchors are a bit in the 64 K
 *   entry table the scan already reads for every 16-bit half of a word;
 * - needles (7+ chars): every occurrence fully contains the aligned word that begins
 *   0-3 chars into it, so each needle registers its first four 4-grams in a 256 Kbit
 *   filter: one test per word. When every such needle has 11+ chars (known secrets are
 *   long), an occurrence also holds an *even* aligned word that begins 0-7 chars into
 *   it: each registers its first eight 4-grams, and only even words are tested
 *   (`needleStride` 2); with 19+ chars, every fourth word (the first of each 16 bytes)
 *   0-15 chars in, sixteen 4-grams, one test per 16 bytes (`needleStride` 4).
 *
 * Candidates are verified here, so the scan reports exact occurrences only.
 *
 * Why not a DFA (Aho-Corasick) or one RegExp alternation of all keywords? A DFA's state
 * is a loop-carried memory dependency (~5 ns/char on V8); irregexp tries a 192-way
 * literal alternation at every position (~11 ns/char measured); this costs ~1 ns per
 * four chars.
 *
 * @example
 * const ki = new KeywordIndex(['ghp_', 'akia'], []);
 * ki.keywords // ['ghp_', 'akia']
 */
import type { Needle } from './known-secrets.js';

/** Latin1 case folding (ASCII A-Z only), as the verifier compares. */
export const FOLD = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = c >= 65 && c <= 90 ? c + 32 : c;
  return t;
})();

export const TRI_FILTER_BITS = 16;
export const NEEDLE_FILTER_BITS = 18;
/** KeywordIndex.needleWords' keys: a word's low 30 bits. */
const NEEDLE_KEY = 0x3fffffff;
/** Needles shorter than this cannot use the 4-byte sampling; they are found with indexOf. */
export const SAMPLED_NEEDLE_MIN = 7;
/** When every sampled needle is at least this long, only even words are tested for needles. */
export const EVEN_NEEDLE_MIN = 11;
/** When every sampled needle is at least this long, only every fourth word (a 16-byte step's first) is tested. */
export const FOURTH_NEEDLE_MIN = 19;

/** Character classes of one byte (C_*), and of a 16-bit half of a word (PAIR: both bytes' classes OR'd, plus P_*). */
export const C_RUN = 1;
export const C_UPPER = 2;
export const C_LOWER = 4;
export const C_DIGIT = 8;
export const C_NONHEX = 16;
export const C_DASH = 32;
export const C_UNDERSCORE = 64;
export const C_PLUS_SLASH = 128;
/** Both bytes are base64-alphabet ([A-Za-z0-9+/_-]). */
export const P_RUN2 = 256;
/** Both bytes are digits, spaces or dashes. */
export const P_DIGIT2 = 512;
/** The (case-folded) pair is a bigram anchor of some keyword (per KeywordIndex). */
export const P_ANCHOR = 1024;
/** Both bytes are [A-Za-z0-9]. */
export const P_ALNUM2 = 2048;
/** Either byte separates base64 groups (space, '-', tab): regrouped.ts. */
export const P_GROUP_SEP = 4096;
/** Either byte separates hex pairs (space, '-', tab, ':', ','). */
export const P_PAIR_SEP = 8192;
/** Both bytes are hex digits or hex pair separators. */
export const P_HEX_SEP2 = 16384;
/** Either byte is an upper-case letter or a digit. */
export const P_UPPER_DIGIT = 32768;

export const CLS = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    let f = 0;
    if (c >= 65 && c <= 90) f = C_RUN | C_UPPER | (c > 70 ? C_NONHEX : 0);
    else if (c >= 97 && c <= 122) f = C_RUN | C_LOWER | (c > 102 ? C_NONHEX : 0);
    else if (c >= 48 && c <= 57) f = C_RUN | C_DIGIT;
    else if (c === 45) f = C_RUN | C_DASH;
    else if (c === 95) f = C_RUN | C_UNDERSCORE;
    else if (c === 43 || c === 47) f = C_RUN | C_PLUS_SLASH;
    t[c] = f;
  }
  return t;
})();
export const DIGIT_KEEP = (() => {
  const t = new Uint8Array(256);
  for (let c = 48; c <= 57; c++) t[c] = 1;
  t[32] = 1;
  t[45] = 1;
  return t;
})();
/** Per byte: 2 a digit, 1 a space or dash (DIGIT_KEEP, with digits told apart), else 0. */
export const DIGIT_OR_SEP = DIGIT_KEEP.map((k, c) => (k === 0 ? 0 : c >= 48 && c <= 57 ? 2 : 1));
/** Per byte: 1 a group separator (space, '-', tab), 2 a hex pair separator (those, ':', ','), 4 a hex digit. */
const GAP = (() => {
  const t = new Uint8Array(256);
  for (const c of [32, 45, 9]) t[c] = 3;
  for (const c of [58, 44]) t[c] = 2;
  for (let c = 0; c < 256; c++) if ((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)) t[c] = 4;
  return t;
})();
const PAIR = (() => {
  const t = new Uint16Array(65536);
  for (let v = 0; v < 65536; v++) {
    const a = v & 255;
    const b = v >>> 8;
    const ca = CLS[a] as number;
    const cb = CLS[b] as number;
    const alnum = C_UPPER | C_LOWER | C_DIGIT;
    t[v] =
      ca |
      cb |
      ((ca & cb & C_RUN) !== 0 ? P_RUN2 : 0) |
      (DIGIT_KEEP[a] === 1 && DIGIT_KEEP[b] === 1 ? P_DIGIT2 : 0) |
      ((ca & alnum) !== 0 && (cb & alnum) !== 0 ? P_ALNUM2 : 0) |
      (((GAP[a] as number) | (GAP[b] as number)) & 1 ? P_GROUP_SEP : 0) |
      (((GAP[a] as number) | (GAP[b] as number)) & 2 ? P_PAIR_SEP : 0) |
      ((GAP[a] as number) & 6 && (GAP[b] as number) & 6 ? P_HEX_SEP2 : 0) |
      ((ca | cb) & (C_UPPER | C_DIGIT) ? P_UPPER_DIGIT : 0);
  }
  return t;
})();

/** Case-folded (| 0x20 per byte) little-endian key of 2 or 3 chars, as the scan computes it. */
export function gramKey(s: string | Uint8Array, at: number, len: 2 | 3): number {
  const c = (k: number): number => ((typeof s === 'string' ? s.charCodeAt(at + k) : (s[at + k] as number)) & 255) | 0x20;
  return len === 2 ? c(0) | (c(1) << 8) : c(0) | (c(1) << 8) | (c(2) << 16);
}

export function triHash(key: number): number {
  return Math.imul(key, 0x9e3779b1) >>> (32 - TRI_FILTER_BITS);
}

/** The little-endian 32-bit word of four chars. */
export function wordKey(s: string, at: number): number {
  return ((s.charCodeAt(at) & 255) | ((s.charCodeAt(at + 1) & 255) << 8) | ((s.charCodeAt(at + 2) & 255) << 16) | ((s.charCodeAt(at + 3) & 255) << 24)) >>> 0;
}

export function needleHash(w: number): number {
  return Math.imul(w, 0x9e3779b1) >>> (32 - NEEDLE_FILTER_BITS);
}

/** Rough weight of a character in text and JSON, for picking rare anchors. */
const ENGLISH = 'etaoinshrdlcumwfgypbvkjxqz';
const COMMON = new Set(
  'th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ta'.split(
    ' ',
  ),
);
function charWeight(c: number): number {
  const f = FOLD[c & 255] as number;
  const li = f >= 97 && f <= 122 ? ENGLISH.indexOf(String.fromCharCode(f)) : -1;
  if (li >= 0) return 13 / (1 + li * 0.45);
  if (f === 32) return 18;
  if (f >= 48 && f <= 57) return 1.5;
  if (f === 34 || f === 44 || f === 46 || f === 58 || f === 95 || f === 45 || f === 47 || f === 61 || f === 10) return 1.2;
  return 0.3;
}
function gramCost(s: string, o: number, len: number): number {
  let w = 1;
  for (let k = 0; k < len; k++) w *= charWeight(s.charCodeAt(o + k));
  for (let k = 0; k + 1 < len; k++) if (COMMON.has(s.slice(o + k, o + k + 2))) w *= 3;
  return w;
}

let serials = 0;

export class KeywordIndex {
  /** Tells indexes apart without holding one (the WebAssembly pass's table cache). */
  readonly serial = ++serials;
  readonly keywords: readonly string[];
  readonly needles: readonly Needle[];
  /** Per keyword: its characters (already lower-case). */
  readonly kwCodes: readonly Uint8Array[];
  /** Per 16-bit half of a word: PAIR classes plus P_ANCHOR for this index's bigram anchors. */
  readonly pair: Uint16Array;
  /** Trigram anchor filter: a byte per hash (no bit arithmetic in the loop). */
  readonly triFilter = new Uint8Array(1 << TRI_FILTER_BITS);
  /** Trigram anchors by hash (CSR): triAt[h]..triAt[h+1] index triKey (folded trigram), triKw, triOff. */
  readonly triAt = new Int32Array((1 << TRI_FILTER_BITS) + 1);
  readonly triKey: Int32Array;
  readonly triKw: Int32Array;
  readonly triOff: Int32Array;
  /** Bigram anchors (3-char keywords at offset 1): folded bigram -> flat [keyword, offset, ...]. */
  readonly biAnchors = new Map<number, number[]>();
  /**
   * Needle 4-gram filter (bits) and exact lists: the word's low 30 bits (a small integer:
   * a whole 32-bit word as a key is a heap number, boxed and hashed at every look-up)
   * -> flat [needle, offset, word, ...].
   */
  readonly needleFilter = new Uint32Array((1 << NEEDLE_FILTER_BITS) >>> 5);
  readonly needleWords = new Map<number, number[]>();
  /** Needles too short for the sampled scan (indexes into `needles`). */
  readonly shortNeedles: number[] = [];
  readonly hasNeedles: boolean;
  /**
   * Which words the needle filter is tested at: 1 every word, 2 even words (every sampled
   * needle EVEN_NEEDLE_MIN+ chars), 4 every fourth word (every one FOURTH_NEEDLE_MIN+ chars).
   */
  readonly needleStride: 1 | 2 | 4;
  /** Length of the shortest needle (Infinity without needles): a shorter text holds none. */
  readonly shortestNeedle: number;

  constructor(keywords: readonly string[], needles: readonly Needle[]) {
    this.keywords = keywords;
    this.needles = needles;
    this.pair = new Uint16Array(PAIR);
    const tri: Array<[number, number, number]> = [];
    const addTri = (kw: string, i: number, o: number): void => {
      const key = gramKey(kw, o, 3);
      this.triFilter[triHash(key)] = 1;
      tri.push([key, i, o]);
    };
    this.kwCodes = keywords.map((kw, i) => {
      if (kw.length < 3 || kw !== kw.toLowerCase() || [...kw].some((ch) => ch.charCodeAt(0) > 255))
        throw new Error(`keyword ${JSON.stringify(kw)}: 3+ lower-case latin1 characters`);
      if (kw.length === 3) {
        addTri(kw, i, 0);
        this.addBi(kw, i, 1);
      } else {
        for (const parity of [0, 1]) {
          let best = parity;
          for (let o = parity + 2; o <= kw.length - 3; o += 2) if (gramCost(kw, o, 3) < gramCost(kw, best, 3)) best = o;
          addTri(kw, i, best);
        }
      }
      return Uint8Array.from(kw, (ch) => ch.charCodeAt(0));
    });
    tri.sort((a, b) => triHash(a[0]) - triHash(b[0]) || a[1] - b[1] || a[2] - b[2]);
    this.triKey = Int32Array.from(tri, (t) => t[0]);
    this.triKw = Int32Array.from(tri, (t) => t[1]);
    this.triOff = Int32Array.from(tri, (t) => t[2]);
    for (const [key] of tri) this.triAt[triHash(key) + 1] = (this.triAt[triHash(key) + 1] as number) + 1;
    for (let h = 0; h < 1 << TRI_FILTER_BITS; h++) this.triAt[h + 1] = (this.triAt[h + 1] as number) + (this.triAt[h] as number);

    const sampledFrom = (min: number): boolean => needles.every((nd) => nd.text.length < SAMPLED_NEEDLE_MIN || nd.text.length >= min);
    this.needleStride = sampledFrom(FOURTH_NEEDLE_MIN) ? 4 : sampledFrom(EVEN_NEEDLE_MIN) ? 2 : 1;
    needles.forEach((nd, i) => {
      const t = nd.text;
      if (t.length < SAMPLED_NEEDLE_MIN) {
        if (t.length > 0) this.shortNeedles.push(i);
        return;
      }
      for (let o = 0; o < 4 * this.needleStride; o++) {
        const w = wordKey(t, o);
        const h = needleHash(w);
        this.needleFilter[h >>> 5] = (this.needleFilter[h >>> 5] as number) | (1 << (h & 31));
        const key = w & NEEDLE_KEY;
        const list = this.needleWords.get(key);
        if (list === undefined) this.needleWords.set(key, [i, o, w]);
        else list.push(i, o, w);
      }
    });
    this.hasNeedles = needles.length > 0;
    this.shortestNeedle = Math.min(Infinity, ...needles.map((nd) => nd.text.length));
  }

  private addBi(kw: string, i: number, o: number): void {
    const key = gramKey(kw, o, 2);
    append(this.biAnchors, key, i, o);
    // every raw pair that folds to `key`: bytes equal, or differing only in bit 0x20
    const a = key & 255;
    const b = key >>> 8;
    for (const x of [a, a & ~0x20]) for (const y of [b, b & ~0x20]) this.pair[x | (y << 8)] = (this.pair[x | (y << 8)] as number) | P_ANCHOR;
  }
}

function append(map: Map<number, number[]>, key: number, id: number, offset: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [id, offset]);
  else list.push(id, offset);
}

// Verifying the word pass's filter candidates (text-index.ts): exact occurrences only.

/**
 * Merge the flat [id, at] list `c` into `a` (each ordered by at, then id), in place:
 * `a` grows by c's length and is filled from the back (no new list per layer).
 */
export function mergeInto(a: number[], c: readonly number[]): void {
  let i = a.length - 2;
  let k = c.length - 2;
  for (let t = 0; t < c.length; t++) a.push(0);
  for (let o = a.length - 2; k >= 0; o -= 2) {
    const ca = c[k + 1] as number;
    const takeC = i < 0 || ca > (a[i + 1] as number) || (ca === (a[i + 1] as number) && (c[k] as number) > (a[i] as number));
    if (takeC) {
      a[o] = c[k] as number;
      a[o + 1] = ca;
      k -= 2;
    } else {
      a[o] = a[i] as number;
      a[o + 1] = a[i + 1] as number;
      i -= 2;
    }
  }
}

/** A trigram filter hit in word `j`: verify the keywords anchored at 4j and 4j + 2. */
export function trigramsAt(ki: KeywordIndex, b: Uint8Array, n: number, j: number, words: Uint32Array, hits: number[]): void {
  const f = (words[j] as number) | 0x20202020;
  const fn = (words[j + 1] as number) | 0x20202020;
  trigramAnchors(ki, b, n, 4 * j, f & 0xffffff, hits);
  trigramAnchors(ki, b, n, 4 * j + 2, ((f >>> 16) | (fn << 16)) & 0xffffff, hits);
}

function trigramAnchors(ki: KeywordIndex, b: Uint8Array, n: number, p: number, key: number, hits: number[]): void {
  const h = triHash(key);
  // a candidate word passed the filter at one of its two positions, mostly not both: the
  // other is turned away by the filter (64 KB, warm) before the bucket table (256 KB)
  if (ki.triFilter[h] === 0) return;
  const end = ki.triAt[h + 1] as number;
  for (let e = ki.triAt[h] as number; e < end; e++)
    if (ki.triKey[e] === key) verifyKeyword(ki, b, n, p - (ki.triOff[e] as number), ki.triKw[e] as number, hits);
}

/** A bigram anchor in word `j`. */
export function bigramsAt(ki: KeywordIndex, b: Uint8Array, n: number, j: number, words: Uint32Array, hits: number[]): void {
  const f = (words[j] as number) | 0x20202020;
  verifyAnchors(ki, b, n, 4 * j, ki.biAnchors.get(f & 0xffff), hits);
  verifyAnchors(ki, b, n, 4 * j + 2, ki.biAnchors.get(f >>> 16), hits);
}

function verifyAnchors(ki: KeywordIndex, b: Uint8Array, n: number, p: number, list: number[] | undefined, hits: number[]): void {
  if (list === undefined) return;
  for (let a = 0; a < list.length; a += 2) verifyKeyword(ki, b, n, p - (list[a + 1] as number), list[a] as number, hits);
}

/** Keyword `k` at `s`? (case-folded compare) */
function verifyKeyword(ki: KeywordIndex, b: Uint8Array, n: number, s: number, k: number, hits: number[]): void {
  if (s < 0) return;
  const kw = ki.kwCodes[k] as Uint8Array;
  const len = kw.length;
  if (s + len > n) return;
  let j = 0;
  while (j < len && FOLD[b[s + j] as number] === kw[j]) j++;
  if (j === len) insertSorted(hits, k, s);
}

/** A needle filter hit on word `j`. */
export function needlesAt(ki: KeywordIndex, text: string, j: number, words: Uint32Array, out: number[]): void {
  const w = words[j] as number;
  const list = ki.needleWords.get(w & NEEDLE_KEY);
  const p = 4 * j;
  if (list === undefined) return;
  for (let e = 0; e < list.length; e += 3) {
    if (list[e + 2] !== w) continue; // another word with the same low 30 bits
    const i = list[e] as number;
    const s = p - (list[e + 1] as number);
    if (s >= 0 && text.startsWith((ki.needles[i] as Needle).text, s)) insertSorted(out, i, s);
  }
}

/** Append [id, at] keeping the flat list ordered by at, then id (items arrive nearly sorted). */
export function insertSorted(list: number[], id: number, at: number): void {
  let k = list.length;
  list.push(id, at);
  while (k > 0) {
    const pAt = list[k - 1] as number;
    const pId = list[k - 2] as number;
    if (pAt < at || (pAt === at && pId <= id)) break;
    list[k] = pId;
    list[k + 1] = pAt;
    k -= 2;
  }
  list[k] = id;
  list[k + 1] = at;
}
