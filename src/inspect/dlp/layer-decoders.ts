/**
 * Decoders for layers beyond base64, hex and escapes: UTF-16 text (either byte order,
 * with or without a BOM, found by its NUL-interleaved shape, so a declared charset is
 * not needed), quoted-printable soft line breaks, base32, and zlib or gzip streams
 * (the bytes of a base64 run, or an upload sent with no Content-Encoding). All work on
 * byte strings (latin1, one char per byte), linear, output bounded by the caller.
 *
 * @example
 * utf16Spans(Buffer.from('AKIAFAKE0000TEST1234', 'utf16le').toString('latin1')) // [{ text: 'AKIA...', ... }]
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { mapArray, mapStretch, MappedBuilder, type Mapped } from './decode.js';

export interface Span extends Mapped {
  start: number;
  end: number;
}

const MIN_UTF16_CHARS = 8;

/**
 * Stretches of UTF-16 text: printable ASCII (and tab, CR, LF) in every other byte, NUL
 * in the others; each becomes its ASCII text. Both parities are tried, so a stretch
 * is found whatever byte it starts on.
 */
export function utf16Spans(s: string): Span[] {
  const out: Span[] = [];
  const n = s.length;
  for (let parity = 0; parity < 2; parity++) {
    let i = parity;
    while (i + 1 < n) {
      // char at i (LE: text byte first) with NUL at i+1, or NUL at i then text at i+1 (BE):
      // the next such i of this parity, found from the NULs (a native search; most text has none)
      const z = s.indexOf('\0', i + 1);
      if (z < 0) break;
      if (((z - 1 - parity) & 1) !== 0 || !textByte(s.charCodeAt(z - 1))) {
        i = z; // the next search starts past this NUL
        continue;
      }
      i = z - 1;
      let j = i;
      // big-endian text read from its second byte has no NUL after its last char
      while (j < n && (j + 1 === n || s.charCodeAt(j + 1) === 0) && textByte(s.charCodeAt(j))) j += 2;
      // big-endian text followed by other bytes: its last char has no NUL after it either
      if (j < n && j > i && textByte(s.charCodeAt(j))) j += 2;
      const chars = (Math.min(j, n + 1) - i) >>> 1;
      if (chars >= MIN_UTF16_CHARS) {
        let text = '';
        const map = mapArray(chars);
        for (let k = 0; k < chars; k++) {
          text += s[i + 2 * k];
          map[k] = i + 2 * k;
        }
        out.push({ text, map, start: i, end: Math.min(j, n) });
      }
      i = j + 2;
    }
  }
  return out;
}

function textByte(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13;
}

const QP_SOFT = /=\r?\n/;
const WIDE = /[\u0100-\uffff]/;

/** Quoted-printable: soft breaks (`=\n`, `=\r\n`) removed and `=XX` decoded; undefined without a soft break. */
export function quotedPrintable(s: string): Mapped | undefined {
  if (!QP_SOFT.test(s)) return undefined;
  // a byte string (as every layer is) fits latin1; anything else keeps its chars (a native
  // test: V8 knows a one-byte string has none)
  if (WIDE.test(s)) return quotedPrintableChars(s);
  // The stretches between `=` signs are kept as they are: found with indexOf, copied as
  // slices (a string built char by char costs ~10x more), their offsets copied too.
  const n = s.length;
  const map = new Int32Array(n);
  const parts: string[] = [];
  let o = 0;
  let from = 0;
  for (let q = s.indexOf('='); q >= 0; q = s.indexOf('=', q)) {
    if (q > from) {
      mapStretch(map, o, from, q);
      o += q - from;
      parts.push(s.slice(from, q));
    }
    const c1 = s.charCodeAt(q + 1);
    if (c1 === 10) q += 2;
    else if (c1 === 13 && s.charCodeAt(q + 2) === 10) q += 3;
    else {
      const h1 = hexDigit(c1);
      const h2 = hexDigit(s.charCodeAt(q + 2));
      map[o++] = q;
      if (h1 >= 0 && h2 >= 0) {
        parts.push(String.fromCharCode((h1 << 4) | h2));
        q += 3;
      } else {
        // a lone `=` is itself
        parts.push('=');
        q += 1;
      }
    }
    from = q;
  }
  if (from < n) {
    mapStretch(map, o, from, n);
    o += n - from;
    parts.push(s.slice(from));
  }
  return { text: parts.join(''), map: map.subarray(0, o) };
}

/** A hex digit's value, or -1 (also for NaN, past the end). */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** quotedPrintable for a text with chars past latin1. */
function quotedPrintableChars(s: string): Mapped {
  const out = new MappedBuilder(s.length);
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 61) {
      if (s.charCodeAt(i + 1) === 10) {
        i += 1;
        continue;
      }
      if (s.charCodeAt(i + 1) === 13 && s.charCodeAt(i + 2) === 10) {
        i += 2;
        continue;
      }
      const h = s.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(h)) {
        out.add(String.fromCharCode(parseInt(h, 16)), i);
        i += 2;
        continue;
      }
    }
    out.add(s[i] as string, i);
  }
  return out.done();
}

const B32 = (() => {
  const t = new Int8Array(256).fill(-1);
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  for (let i = 0; i < 32; i++) {
    t[A.charCodeAt(i)] = i;
    t[A.toLowerCase().charCodeAt(i)] = i;
  }
  return t;
})();

/** `text[s, e)` is base32 (one letter case, digits 2-7 only, optional `=` padding), 16+ chars. */
export function isBase32Run(text: string, s: number, e: number): boolean {
  let q = e;
  while (q > s && text.charCodeAt(q - 1) === 61) q--;
  if (q - s < 16) return false;
  let upper = false;
  let lower = false;
  for (let i = s; i < q; i++) {
    const c = text.charCodeAt(i);
    if (c >= 256 || (B32[c] as number) < 0) return false;
    if (c >= 65 && c <= 90) upper = true;
    else if (c >= 97 && c <= 122) lower = true;
    if (upper && lower) return false;
  }
  return upper !== lower;
}

/** Decode a base32 run (RFC 4648, either case, padding optional). */
export function decodeBase32(run: string): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (let i = 0; i < run.length; i++) {
    const v = B32[run.charCodeAt(i) & 255] as number;
    if (v < 0) break;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out += String.fromCharCode((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return out;
}

/** 'gzip' or 'zlib' when the bytes start like one (gzip magic; a zlib header with a valid check); else undefined. */
export function compressedKind(b0: number, b1: number, b2: number): 'gzip' | 'zlib' | undefined {
  if (b0 === 0x1f && b1 === 0x8b && b2 === 8) return 'gzip';
  if ((b0 & 0x0f) === 8 && b0 >> 4 <= 7 && (b0 * 256 + b1) % 31 === 0 && (b1 & 0x20) === 0) return 'zlib';
  return undefined;
}

const B64V = (() => {
  const t = new Int8Array(256).fill(-1);
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) t[A.charCodeAt(i)] = i;
  return t;
})();

/** Whether the base64 run `text[s, e)` starts with the bytes of a gzip or zlib stream. */
export function base64StartsCompressed(text: string, s: number, e: number): 'gzip' | 'zlib' | undefined {
  // gzip's 1f 8b 08 is 'H4sI'; a zlib header's first byte (CM 8) leaves 2 in the first char's low bits
  if (e - s < 8) return undefined;
  const c0 = text.charCodeAt(s);
  if (c0 === 72) return text.startsWith('H4sI', s) ? 'gzip' : undefined;
  const v0 = c0 < 256 ? (B64V[c0] as number) : -1;
  if (v0 < 0 || v0 % 4 !== 2) return undefined;
  const v1 = B64V[text.charCodeAt(s + 1) & 255] as number;
  const v2 = B64V[text.charCodeAt(s + 2) & 255] as number;
  const v3 = B64V[text.charCodeAt(s + 3) & 255] as number;
  if (v1 < 0 || v2 < 0 || v3 < 0) return undefined;
  const b0 = (v0 << 2) | (v1 >> 4);
  const b1 = ((v1 & 15) << 4) | (v2 >> 2);
  const b2 = ((v2 & 3) << 6) | v3;
  return compressedKind(b0, b1, b2) === 'zlib' ? 'zlib' : undefined;
}

/** Outcome of inflating a stream within a bound. */
export type Inflated = { ok: true; text: string } | { ok: false; tooLarge: boolean };

/**
 * Inflate one gzip (all members) or zlib stream, at most `maxBytes` out. A stream cut
 * short yields what it held (a truncated upload still carries its secret); a stream
 * larger than the bound is `tooLarge` (the caller reports the scan incomplete).
 */
export function inflateBounded(bytes: Buffer, kind: 'gzip' | 'zlib', maxBytes: number): Inflated {
  const opts = { maxOutputLength: Math.max(1, maxBytes), finishFlush: 2 /* Z_SYNC_FLUSH: keep a truncated stream's output */ };
  try {
    const out = kind === 'gzip' ? gunzipSync(bytes, opts) : inflateSync(bytes, opts);
    return { ok: true, text: out.toString('latin1') };
  } catch (err) {
    return { ok: false, tooLarge: err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' };
  }
}
