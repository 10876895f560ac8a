/**
 * Decoders for the layers a secret hides under: percent-encoding, base64/base64url,
 * hex (plain, `-`-delimited and `\x41` escaped), JSON-style `\u0041` escapes, HTML
 * numeric character references and zero-width characters. Text here is a "byte
 * string" (latin1: one char per byte).
 *
 * Every decoder is linear and its output is never longer than its input, and callers
 * charge decoded length to a {@link DecodeBudget}, so decoding cannot blow up.
 *
 * @example
 * decodeBase64Run('QUtJQQ==') // 'AKIA'
 * percentDecode('%41%4b')?.text // 'AK'
 */

/** Shared across the layers of one scan; decoding stops when it runs out. */
export interface DecodeBudget {
  left: number;
  exhausted: boolean;
}

/** Decoded text plus, per output char, the index of the input char it came from. */
export interface Mapped {
  text: string;
  map: Int32Array;
}

/** Bytes of one slab of small maps; a map of more than a quarter of it gets its own array. */
const SLAB_BYTES = 1 << 16;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabAt = 0;

/**
 * A zeroed Int32Array of `n` entries for an offset map. Small ones are views of a
 * shared slab, handed out in turn and never reused (a slab lives while a map in it
 * does): a typed array of more than 64 bytes otherwise gets a backing store of its own
 * outside the heap, ~0.6 us each and external memory the collector accounts for, and a
 * scan makes one per regrouped join or decoded span.
 */
export function mapArray(n: number): Int32Array {
  const bytes = 4 * n;
  if (bytes > SLAB_BYTES >>> 2) return new Int32Array(n);
  if (slabAt + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabAt = 0;
  }
  const map = new Int32Array(slab, slabAt, n);
  slabAt += bytes;
  return map;
}

/** Offsets 0, 1, 2, ... (grown as needed, to IOTA_MAX): what mapStretch copies from. */
let iota = new Int32Array(0);
const IOTA_MAX = 1 << 17;

/**
 * `map[o, o + e - s)` = s, s + 1, ..., e - 1: the offsets of a stretch a decoder keeps as
 * it is. A long one is copied from a table of offsets (a native copy; one write per
 * char costs ~1 ns, and a stretch of random bytes between two escapes is long).
 */
export function mapStretch(map: Int32Array, o: number, s: number, e: number): void {
  if (e - s < 64 || e > IOTA_MAX) {
    for (let q = s; q < e; q++) map[o++] = q;
    return;
  }
  if (iota.length < e) {
    iota = new Int32Array(Math.min(IOTA_MAX, Math.max(e, 2 * iota.length)));
    for (let q = 0; q < iota.length; q++) iota[q] = q;
  }
  map.set(iota.subarray(s, e), o);
}

/**
 * A Mapped text built one char at a time, each with the input index it came from:
 * what a decoder that rewrites escapes in place writes to.
 *
 * @example
 * const out = new MappedBuilder(s.length);
 * out.add('A', 0); // from s[0..2] = '%41'
 * out.done();      // { text: 'A', map: Int32Array [0] }
 */
export class MappedBuilder {
  private readonly map: Int32Array;
  /** The chars so far, while every one is a single latin1 char (byte strings: always). */
  private readonly bytes: Uint8Array;
  private len = 0;
  /** The text as a string, once a char past latin1 came (then built by concatenation). */
  private wide: string | undefined;

  /** `inputLength` bounds the output: these decoders never lengthen the text. */
  constructor(inputLength: number) {
    this.map = mapArray(inputLength);
    this.bytes = new Uint8Array(inputLength);
  }

  add(char: string, from: number): void {
    const c = char.charCodeAt(0);
    if (this.wide === undefined && char.length === 1 && c < 256) {
      this.map[this.len] = from;
      this.bytes[this.len++] = c;
      return;
    }
    // a string built char by char costs ~10x the byte array: only for what latin1 cannot hold
    this.wide ??= Buffer.from(this.bytes.buffer, 0, this.len).toString('latin1');
    this.map[this.wide.length] = from;
    this.wide += char;
  }

  done(): Mapped {
    const text = this.wide ?? Buffer.from(this.bytes.buffer, 0, this.len).toString('latin1');
    return { text, map: this.map.subarray(0, text.length) };
  }
}

const HEXV = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[65 + i] = 10 + i;
    t[97 + i] = 10 + i;
  }
  return t;
})();

function hexv(c: number): number {
  return c < 256 ? (HEXV[c] as number) : -1;
}

/** True when `s` contains at least one valid `%XX` escape. */
export function hasPercentEscape(s: string, from = 0): boolean {
  for (let i = s.indexOf('%', from); i >= 0 && i + 2 < s.length; i = s.indexOf('%', i + 1)) {
    if (hexv(s.charCodeAt(i + 1)) >= 0 && hexv(s.charCodeAt(i + 2)) >= 0) return true;
  }
  return false;
}

/** Percent-decode (optionally `+` as space); undefined when nothing changes. */
export function percentDecode(s: string, plusAsSpace = false): Mapped | undefined {
  if (!hasPercentEscape(s) && !(plusAsSpace && s.includes('+'))) return undefined;
  const out: number[] = [];
  const map = mapArray(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length) {
      const a = hexv(s.charCodeAt(i + 1));
      const b = hexv(s.charCodeAt(i + 2));
      if (a >= 0 && b >= 0) {
        map[out.length] = i;
        out.push(a * 16 + b);
        i += 2;
        continue;
      }
    }
    map[out.length] = i;
    out.push(plusAsSpace && c === 43 ? 32 : c);
  }
  return { text: Buffer.from(out).toString('latin1'), map: map.subarray(0, out.length) };
}

/** Decode a base64/base64url run (padding optional) into a byte string. */
export function decodeBase64Run(run: string): string {
  return Buffer.from(run, 'base64').toString('latin1');
}

/** Decode an even-length hex run into a byte string. */
export function decodeHexRun(run: string): string {
  return Buffer.from(run.length % 2 === 0 ? run : run.slice(0, -1), 'hex').toString('latin1');
}

/** `41-4b-49-...` (8+ pairs); undefined when the run is not exactly that shape. */
export function decodeDelimitedHex(run: string): string | undefined {
  if (run.length < 23 || run.length % 3 !== 2) return undefined;
  let out = '';
  for (let i = 0; i < run.length; i += 3) {
    const a = hexv(run.charCodeAt(i));
    const b = hexv(run.charCodeAt(i + 1));
    if (a < 0 || b < 0 || (i + 2 < run.length && run.charCodeAt(i + 2) !== 45)) return undefined;
    out += String.fromCharCode(a * 16 + b);
  }
  return out;
}

/**
 * Exactly the escapes `unescapeText` replaces (backslash escapes and HTML numeric
 * references): text without one decodes to itself, and an identical copy is no layer
 * (it would only spend the budget and the depth).
 */
export const TEXT_ESCAPE = /\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|&#(?:[xX][0-9A-Fa-f]{1,6}|[0-9]{1,7})/;

/** An HTML numeric character reference (its `;` is optional, as browsers read it). */
const ENTITY = /&#(?:[xX]([0-9A-Fa-f]{1,6})|([0-9]{1,7}));?/y;

/**
 * Replace `\xHH` and `\uHHHH` escapes, and HTML numeric character references (`&#103;`,
 * `&#x67;`: what a page or a CMS that stores the body shows as the character), as
 * UTF-8 bytes in a byte string; undefined when there are none.
 */
export function unescapeText(s: string): Mapped | undefined {
  if (!TEXT_ESCAPE.test(s)) return undefined;
  const out = new MappedBuilder(s.length);
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 38 && s.charCodeAt(i + 1) === 35) {
      ENTITY.lastIndex = i;
      const m = ENTITY.exec(s);
      const cp = m === null ? -1 : m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
      if (m !== null && cp <= 0x10ffff) {
        // Output never longer than the input: 4 UTF-8 bytes at most, from `&#N` (3+ chars) or more.
        for (const byte of Buffer.from(String.fromCodePoint(cp), 'utf8')) out.add(String.fromCharCode(byte), i);
        i += m[0].length - 1;
        continue;
      }
    }
    if (s.charCodeAt(i) === 92 && i + 3 < s.length) {
      const k = s.charCodeAt(i + 1);
      if (k === 120) {
        const a = hexv(s.charCodeAt(i + 2));
        const b = hexv(s.charCodeAt(i + 3));
        if (a >= 0 && b >= 0) {
          out.add(String.fromCharCode(a * 16 + b), i);
          i += 3;
          continue;
        }
      } else if (k === 117 && i + 5 < s.length) {
        const cp = parseInt(s.slice(i + 2, i + 6), 16);
        if (/^[0-9A-Fa-f]{4}$/.test(s.slice(i + 2, i + 6))) {
          for (const byte of utf8Bytes(cp)) out.add(String.fromCharCode(byte), i);
          i += 5;
          continue;
        }
      }
    }
    out.add(s[i] as string, i);
  }
  return out.done();
}

/** UTF-8 bytes of one UTF-16 code unit (lone surrogates encode as 3 bytes, like WTF-8). */
export function utf8Bytes(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}

/** Zero-width and invisible characters, as UTF-8 byte strings. */
export const ZERO_WIDTH = ['\xe2\x80\x8b', '\xe2\x80\x8c', '\xe2\x80\x8d', '\xe2\x81\xa0', '\xef\xbb\xbf', '\xc2\xad', '\xe2\x80\x8e', '\xe2\x80\x8f'];
const ZW_RE = /\xe2\x80[\x8b-\x8f]|\xe2\x81[\xa0-\xa4]|\xef\xbb\xbf|\xc2\xad|\xe1\xa0\x8e/g;

/** Remove zero-width characters; undefined when there are none. */
export function stripZeroWidth(s: string): Mapped | undefined {
  ZW_RE.lastIndex = 0;
  if (!ZW_RE.test(s)) return undefined;
  ZW_RE.lastIndex = 0;
  let out = '';
  const map = mapArray(s.length);
  let last = 0;
  for (let m = ZW_RE.exec(s); m !== null; m = ZW_RE.exec(s)) {
    for (let i = last; i < m.index; i++) map[out.length + i - last] = i;
    out += s.slice(last, m.index);
    last = m.index + m[0].length;
  }
  for (let i = last; i < s.length; i++) map[out.length + i - last] = i;
  out += s.slice(last);
  return { text: out, map: map.subarray(0, out.length) };
}

/**
 * Latin1 "byte string" of a value that may already be one (a header value or a URL as
 * Node hands them over, one char per byte): kept as it is while every char fits a byte,
 * else its UTF-8 bytes.
 */
export function toByteString(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\xff]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/**
 * Latin1 "byte string" of decoded text (a WebSocket message, an MCP argument): its UTF-8
 * bytes whenever it is not ASCII, as the wire carries it, so `é` reads as the same two
 * bytes in a message as in a body.
 */
export function textBytes(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}
