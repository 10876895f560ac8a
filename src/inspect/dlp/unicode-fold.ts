/**
 * Undo Unicode disguises in a byte string (UTF-8, one char per byte): drop every format
 * character (general category Cf: zero-width spaces and joiners, bidi marks and
 * isolates, the soft hyphen, tag characters, invisible operators, ...) and every
 * variation selector, and fold fullwidth ASCII (U+FF01..U+FF5E) to ASCII. A secret
 * interleaved with invisibles, or typed in fullwidth forms, reads as itself.
 *
 * Linear: one native search for multi-byte sequences; only those are decoded, and the
 * class test is a lookup per code point. The output is never longer than the input.
 *
 * @example
 * foldUnicode(Buffer.from('A\u200bK\ufe0fＩＡ').toString('latin1'))?.text // 'AKIA'
 */
import { mapStretch, type Mapped } from './decode.js';

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
/**
 * A whole multi-byte sequence as the decoder reads one: a lead byte and as many
 * continuation bytes as it announces. A lead byte is never a continuation byte, so
 * reading from the start lands on every lead byte: the sequences this finds are the
 * ones a byte-by-byte decoder reads (those past U+10FFFF it leaves alone, and the
 * continuation bytes after them are no lead).
 */
const SEQ = /[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}/g;

/**
 * Fold and strip; undefined when nothing changes. `s` is a byte string. The sequences
 * are found by a native search, so bytes around them (random data has a lead byte in
 * one of five) cost no branch each; what is kept is copied a span at a time.
 */
export function foldUnicode(s: string): Mapped | undefined {
  // Most text is ASCII: one native scan says so.
  if (!LEAD.test(s)) return undefined;
  const n = s.length;
  let parts: string[] | undefined;
  let map: Int32Array | undefined;
  let o = 0;
  let from = 0; // s[from..] not yet copied
  let at = 0; // where the search goes on
  for (;;) {
    SEQ.lastIndex = at;
    const m = SEQ.exec(s);
    if (m === null) break;
    // the sequence found, and those right after it (CJK text is one after another), read in place
    for (let i = m.index; ;) {
      const b = s.charCodeAt(i);
      const len = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      let cp = b & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
      let k = 1;
      for (; k < len; k++) {
        const c = s.charCodeAt(i + k);
        if (i + k >= n || (c & 0xc0) !== 0x80) break;
        cp = (cp << 6) | (c & 0x3f);
      }
      if (k < len || cp > 0x10ffff) {
        at = i + 1; // not UTF-8: the byte stays as it is, reading goes on after it
        break;
      }
      let repl = -2; // keep as is
      if (cp >= 0xff01 && cp <= 0xff5e) repl = cp - 0xfee0;
      else if (cp === 0x3000)
        repl = 0x20; // ideographic space
      else if (invisibleMemo(cp)) repl = -1;
      if (repl !== -2) {
        if (map === undefined || parts === undefined) {
          // never longer than the input
          map = new Int32Array(n);
          parts = [];
        }
        mapStretch(map, o, from, i);
        o += i - from;
        parts.push(s.slice(from, i));
        if (repl >= 0) {
          map[o++] = i;
          parts.push(String.fromCharCode(repl));
        }
        from = i + len;
      }
      i += len;
      const next = s.charCodeAt(i);
      if (!(next >= 0xc2 && next <= 0xf4)) {
        at = i;
        break;
      }
    }
  }
  if (map === undefined || parts === undefined) return undefined;
  if (from < n) {
    mapStretch(map, o, from, n);
    o += n - from;
  }
  parts.push(s.slice(from));
  return { text: parts.join(''), map: map.subarray(0, o) };
}
