/**
 * Undo Unicode disguises in a byte string (UTF-8, one char per byte): drop every format
 * character (general category Cf: zero-width spaces and joiners, bidi marks and
 * isolates, the soft hyphen, tag characters, invisible operators, ...) and every
 * variation selector, and fold fullwidth ASCII (U+FF01..U+FF5E) to ASCII. A secret
 * interleaved with invisibles, or typed in fullwidth forms, reads as itself.
 *
 * Linear: one pass; only multi-byte sequences are decoded, and the class test is a
 * lookup per code point. The output is never longer than the input.
 *
 * @example
 * foldUnicode(Buffer.from('A\u200bK\ufe0fＩＡ').toString('latin1'))?.text // 'AKIA'
 */
import type { Mapped } from './decode.js';

const CF = /^\p{Cf}$/u;

/** True for a code point that renders as nothing (or as a modifier of its neighbour). */
function invisible(cp: number): boolean {
  if (cp >= 0xfe00 && cp <= 0xfe0f) return true; // variation selectors
  if (cp >= 0xe0100 && cp <= 0xe01ef) return true; // variation selectors supplement
  if (cp === 0x180b || cp === 0x180c || cp === 0x180d || cp === 0x180f) return true; // Mongolian free variation selectors
  if (cp === 0x115f || cp === 0x1160 || cp === 0x3164 || cp === 0xffa0 || cp === 0x2800 || cp === 0x034f) return true; // fillers, blank braille, combining grapheme joiner
  return CF.test(String.fromCodePoint(cp));
}

/** invisible() of the BMP, memoized: 0 not yet known, 1 visible, 2 invisible (a regex test per code point costs ~100 ns). */
const BMP_SEEN = new Uint8Array(0x10000);
function invisibleMemo(cp: number): boolean {
  if (cp > 0xffff) return invisible(cp);
  let v = BMP_SEEN[cp] as number;
  if (v === 0) {
    v = invisible(cp) ? 2 : 1;
    BMP_SEEN[cp] = v;
  }
  return v === 2;
}

/** A UTF-8 lead byte: only multi-byte sequences are ever folded or dropped. */
const LEAD = /[\xc2-\xf4]/;

/** Fold and strip; undefined when nothing changes. */
export function foldUnicode(s: string): Mapped | undefined {
  // Most text is ASCII: one native scan (about 4x cheaper than the loop below) says so.
  if (!LEAD.test(s)) return undefined;
  const n = s.length;
  let out: Uint8Array | undefined;
  let map: Int32Array | undefined;
  let o = 0;
  for (let i = 0; i < n;) {
    const b = s.charCodeAt(i);
    let len = 1;
    let cp = b;
    if (b >= 0xc2 && b <= 0xf4) {
      len = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      cp = b & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
      for (let k = 1; k < len; k++) {
        const c = s.charCodeAt(i + k);
        if (i + k >= n || (c & 0xc0) !== 0x80) {
          len = 1;
          cp = b;
          break;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
      if (len > 1 && cp > 0x10ffff) {
        len = 1; // not UTF-8: leave the byte alone
        cp = b;
      }
    }
    let repl = -2; // keep as is
    if (len > 1) {
      if (cp >= 0xff01 && cp <= 0xff5e) repl = cp - 0xfee0;
      else if (cp === 0x3000)
        repl = 0x20; // ideographic space
      else if (invisibleMemo(cp)) repl = -1;
    }
    if (repl !== -2 && out === undefined) {
      // never longer than the input
      out = new Uint8Array(n);
      map = new Int32Array(n);
      for (let k = 0; k < i; k++) {
        map[k] = k;
        out[k] = s.charCodeAt(k);
      }
      o = i;
    }
    if (out !== undefined && map !== undefined) {
      if (repl >= 0) {
        map[o] = i;
        out[o++] = repl;
      } else if (repl === -2) {
        for (let k = 0; k < len; k++) {
          map[o] = i + k;
          out[o++] = s.charCodeAt(i + k);
        }
      }
    }
    i += len;
  }
  if (out === undefined || map === undefined) return undefined;
  return { text: Buffer.from(out.buffer, 0, o).toString('latin1'), map: map.subarray(0, o) };
}
