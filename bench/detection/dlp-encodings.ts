/**
 * The encodings an agent (or an injected instruction) uses to walk a secret past DLP,
 * each a function from the secret's text (with its context, as it sits in a file) to
 * what is sent. Text results go through a placement's own quoting; byte results are
 * sent as bytes where the carrier allows it and percent-encoded where it does not.
 *
 * @example
 * ENCODINGS['base64-wrap76']('AKIA...') // 'QUtJQ...\n...'
 */
import { deflateSync, gzipSync } from 'node:zlib';

export type Encoded = string | Buffer;
export type Encoding = (text: string) => Encoded;

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const wrap = (s: string, width: number, sep = '\n'): string => s.match(new RegExp(`.{1,${width}}`, 'gs'))?.join(sep) ?? s;
const hexPairs = (s: string, upper = false): string[] =>
  Array.from(Buffer.from(s), (b) => b.toString(16).padStart(2, '0')).map((h) => (upper ? h.toUpperCase() : h));

/** RFC 4648 base32 (upper case, padded). */
export function base32(buf: Buffer): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += A[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += A[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/** Quoted-printable with a soft line break every `width` characters (and `=XX` for `=`). */
function quotedPrintable(s: string, width: number): string {
  const q = s.replace(/=/g, '=3D');
  let out = '';
  for (let i = 0; i < q.length; i += width) {
    let end = Math.min(q.length, i + width);
    // never cut an =XX escape
    const eq = q.lastIndexOf('=', end - 1);
    if (eq >= i && eq > end - 3) end = eq;
    out += q.slice(i, end) + (end < q.length ? '=\r\n' : '');
    i = end - width;
  }
  return out;
}

/** Interleave `mark` after every `every` characters. */
const interleave = (s: string, mark: string, every = 1): string =>
  Array.from(s)
    .map((c, i) => ((i + 1) % every === 0 ? c + mark : c))
    .join('');

/** ASCII to fullwidth forms (U+FF01..U+FF5E); space stays. */
const fullwidth = (s: string): string =>
  Array.from(s, (c) => {
    const n = c.charCodeAt(0);
    return n > 0x20 && n < 0x7f ? String.fromCharCode(n + 0xfee0) : c;
  }).join('');

/** Latin letters swapped for look-alikes from another script (case kept), where one exists. */
const lookalikes = (table: string, s: string): string => {
  const map = new Map<string, string>();
  for (let i = 0; i < table.length; i += 2) map.set(table.charAt(i), table.charAt(i + 1));
  return Array.from(s, (c) => map.get(c) ?? c).join('');
};
const CYRILLIC = 'A\u0410B\u0412C\u0421E\u0415H\u041dK\u041aM\u041cO\u041eP\u0420T\u0422X\u0425a\u0430c\u0441e\u0435o\u043ep\u0440x\u0445y\u0443';
const GREEK = 'A\u0391B\u0392E\u0395H\u0397I\u0399K\u039aM\u039cN\u039dO\u039fP\u03a1T\u03a4X\u03a7Y\u03a5Z\u0396o\u03bfa\u03b1';
/** Letters and digits as mathematical bold (U+1D400...), which NFKC reads as ASCII. */
const mathBold = (s: string): string =>
  Array.from(s, (c) => {
    const n = c.charCodeAt(0);
    if (n >= 0x41 && n <= 0x5a) return String.fromCodePoint(0x1d400 + n - 0x41);
    if (n >= 0x61 && n <= 0x7a) return String.fromCodePoint(0x1d41a + n - 0x61);
    if (n >= 0x30 && n <= 0x39) return String.fromCodePoint(0x1d7ce + n - 0x30);
    return c;
  }).join('');
/** Every other letter circled (U+24B6...). */
const circled = (s: string): string =>
  Array.from(s, (c, i) => {
    const n = c.charCodeAt(0);
    if (i % 2 === 1) return c;
    if (n >= 0x41 && n <= 0x5a) return String.fromCodePoint(0x24b6 + n - 0x41);
    if (n >= 0x61 && n <= 0x7a) return String.fromCodePoint(0x24d0 + n - 0x61);
    return c;
  }).join('');
/** Vowels with an accent (precomposed). */
const accented = (s: string): string => lookalikes('a\u00e1e\u00e9i\u00edo\u00f3u\u00faA\u00c1E\u00c9I\u00cdO\u00d3U\u00da', s);

const utf16be = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();
const nest = (s: string, n: number): string => {
  let x = s;
  for (let i = 0; i < n; i++) x = b64(x);
  return x;
};

export const ENCODINGS: Record<string, Encoding> = {
  plain: (s) => s,
  base64: (s) => b64(s),
  'base64-wrap76': (s) => wrap(b64(`${s}\n`.repeat(3)), 76),
  'base64-wrap64-crlf': (s) => wrap(b64(`${s}\n`.repeat(2)), 64, '\r\n'),
  'base64-wrap19': (s) => wrap(b64(s), 19),
  'base64-groups4': (s) => wrap(b64(s), 4, ' '),
  'base64-groups8-dash': (s) => wrap(b64(s), 8, '-'),
  'hex-colon': (s) => hexPairs(s).join(':'),
  'hex-space-upper': (s) => hexPairs(s, true).join(' '),
  'hex-comma': (s) => hexPairs(s).join(','),
  'hex-0x': (s) =>
    hexPairs(s)
      .map((h) => `0x${h}`)
      .join(', '),
  'hex-0x-upper-nosep': (s) =>
    hexPairs(s, true)
      .map((h) => `0x${h}`)
      .join(''),
  'hex-backslash-x': (s) =>
    hexPairs(s)
      .map((h) => `\\x${h}`)
      .join(''),
  'hex-mixed-case': (s) => Array.from(Buffer.from(s).toString('hex'), (c, i) => (i % 3 === 0 ? c.toUpperCase() : c)).join(''),
  base32: (s) => base32(Buffer.from(s)),
  'base32-lower-nopad': (s) => base32(Buffer.from(s)).replace(/=+$/, '').toLowerCase(),
  utf16le: (s) => Buffer.from(s, 'utf16le'),
  'utf16le-bom': (s) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]),
  utf16be: (s) => utf16be(s),
  'utf16be-bom': (s) => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(s)]),
  'quoted-printable': (s) => quotedPrintable(s, 9),
  'gzip-base64': (s) => b64(gzipSync(s)),
  'zlib-base64': (s) => b64(deflateSync(s)),
  // HTTP's "deflate" is zlib-wrapped; raw deflate has no header to recognise (see docs/detection.md)
  'deflate-base64-wrap76': (s) => wrap(b64(deflateSync(`${s}\n`.repeat(2))), 76),
  'cf-zwsp': (s) => interleave(s, '\u200b'),
  'cf-word-joiner': (s) => interleave(s, '\u2060', 2),
  'cf-soft-hyphen': (s) => interleave(s, '\u00ad', 3),
  'cf-bidi-marks': (s) => interleave(s, '\u202a\u202c', 2),
  'cf-arabic-letter-mark': (s) => interleave(s, '\u061c'),
  'cf-tag-chars': (s) => interleave(s, '\u{e0020}', 2),
  'cf-mixed': (s) => Array.from(s, (c, i) => c + ['\u200b', '\u2064', '\ufeff', '\u180e', '\u2066', '\u206f'][i % 6]).join(''),
  'variation-selector': (s) => interleave(s, '\ufe0f'),
  'variation-selector-supp': (s) => interleave(s, '\u{e0100}', 2),
  fullwidth: (s) => fullwidth(s),
  'fullwidth-half': (s) => Array.from(s, (c, i) => (i % 2 === 0 ? fullwidth(c) : c)).join(''),
  'homoglyph-cyrillic': (s) => lookalikes(CYRILLIC, s),
  'homoglyph-greek': (s) => lookalikes(GREEK, s),
  'math-bold': (s) => mathBold(s),
  circled: (s) => circled(s),
  accented: (s) => accented(s),
  'combining-marks': (s) => interleave(s, '\u0301', 2),
  'space-nbsp': (s) => interleave(s, '\u00a0', 3),
  'space-thin': (s) => interleave(s, '\u2009', 4),
  'control-nul': (s) => interleave(s, '\0', 4),
  'control-c1': (s) => interleave(s, '\u0085', 3),
  'base64-nested4': (s) => nest(s, 4),
  'base64-nested5': (s) => nest(s, 5),
  'base64-of-hex': (s) => b64(Buffer.from(s).toString('hex')),
};

/** Encodings whose result is bytes that are not text (UTF-16): a text carrier must escape them. */
export const BINARY_ENCODINGS = new Set(['utf16le', 'utf16le-bom', 'utf16be', 'utf16be-bom']);
