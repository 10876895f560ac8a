/**
 * Undo Unicode disguises in a byte string (UTF-8, one char per byte), the way a reader
 * (or a lenient decoder) sees the text:
 * - dropped: every format character (general category Cf: zero-width spaces and
 *   joiners, bidi marks and isolates, the soft hyphen, tag characters, ...), variation
 *   selectors, fillers, combining marks, C1 controls, and the spaces that are not
 *   U+0020 (no-break, en/em and the other typographic spaces, ideographic);
 * - folded to ASCII: fullwidth forms, and whatever NFKC makes one ASCII letter or digit
 *   (mathematical alphanumerics, circled and parenthesised letters, superscripts);
 * - folded inside a mixed-script token only (a run of non-ASCII characters in a token,
 *   joined by `-_.:/+=~`, that has an ASCII letter or digit): look-alike letters
 *   (Cyrillic, Greek, Armenian, small capitals; case kept), Latin letters with accents,
 *   and dashes; also a run of two or more capital look-alikes alone (`ΚΕΥ` in Greek). A
 *   word of Russian prose stays as it is; `АKIA...` with a Cyrillic А reads as `AKIA...`
 *   (the scanner hands a text to this only where such a token may be: engine.ts
 *   text-index.ts `lookalikes`, so French prose is not read twice);
 * - dropped inside text: ASCII control characters (C0 but tab and line breaks, DEL)
 *   between two characters of text (printable ASCII, tab, line breaks), as in `sk\x00-ant`.
 * A secret interleaved with invisibles, or typed in look-alikes, reads as itself.
 *
 * Linear: a native search for lead bytes and controls; only the sequences are decoded,
 * the class of a code point is a lookup (memoized for the BMP), and a token is read at
 * most 64 bytes either way of a run. The output is never longer than the input.
 *
 * @example
 * foldUnicode(Buffer.from('A\u200bK\ufe0fＩＡ').toString('latin1'))?.text // 'AKIA'
 */
import { CONFUSABLES } from '../injection/confusables.js';
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

/**
 * What a code point becomes: kept, dropped, or (>= 0) the ASCII code it folds to; with
 * LOOK added, only in a token that mixes scripts (see foldOf).
 */
const KEEP = -2;
const DROP = -1;
const LOOK = 0x100;
const UNKNOWN = -3;

/** Spaces other than U+0020, C1 controls and the combining-mark blocks: they render as a gap, or as part of a neighbour. */
function spaceOrMark(cp: number): boolean {
  if (cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x202f || cp === 0x205f || cp === 0x3000) return true;
  if (cp >= 0x80 && cp <= 0x9f) return true; // C1 controls
  return (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe20 && cp <= 0xfe2f)
  );
}

const ASCII_ALNUM = /^[0-9A-Za-z]$/;
const MARKS = /^\p{M}*$/u;

/** Look-alikes as DLP reads them: the letter a reader sees, in the case it is written. */
const LOOKALIKE: ReadonlyMap<string, number> = new Map(
  [...CONFUSABLES].map(([ch, ascii]) => {
    const upper = ch !== ch.toLowerCase() && ascii.length === 1 && /[a-z]/.test(ascii);
    return [ch, (upper ? ascii.toUpperCase() : ascii).charCodeAt(0)] as const;
  }),
);

function classify(cp: number): number {
  if (cp >= 0xff01 && cp <= 0xff5e) return cp - 0xfee0;
  if (invisible(cp) || spaceOrMark(cp)) return DROP;
  const ch = String.fromCodePoint(cp);
  const nfkc = ch.normalize('NFKC');
  if (ASCII_ALNUM.test(nfkc)) return nfkc.charCodeAt(0);
  const look = LOOKALIKE.get(ch);
  if (look !== undefined) return look + LOOK;
  // A Latin letter with accents: its base letter, when the rest are marks.
  const nfd = ch.normalize('NFD');
  if (nfd.length > 1 && ASCII_ALNUM.test(nfd.charAt(0)) && MARKS.test(nfd.slice(1))) return nfd.charCodeAt(0) + LOOK;
  return KEEP;
}

/** classify() of the BMP, memoized (a regex test and two normalisations per code point cost ~1 µs). */
const BMP_CLASS = new Int16Array(0x10000).fill(UNKNOWN);
function classOf(cp: number): number {
  if (cp > 0xffff) return classify(cp);
  let v = BMP_CLASS[cp] as number;
  if (v === UNKNOWN) BMP_CLASS[cp] = v = classify(cp);
  return v;
}

/** `cp` in a token that has (`mixed`) or has not an ASCII letter or digit: look-alikes, accented letters and dashes fold only in one that has. */
function foldOf(cp: number, mixed: boolean): number {
  const v = classOf(cp);
  if (v < LOOK) return v;
  return mixed ? v - LOOK : KEEP;
}

/** An ASCII letter or digit. */
function alnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** How far from a run its token is read (bounded: linear however long a word). */
const TOKEN_REACH = 64;

/** Joins a token's pieces (`xoxp-1`, `sk_live`, `a.b`), as do non-ASCII bytes; anything else ends the token. */
function joiner(c: number): boolean {
  return c >= 0x80 || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x3a || c === 0x2f || c === 0x2b || c === 0x3d || c === 0x7e;
}

/**
 * Has the token around the run s[start, end) (letters, digits, non-ASCII, joined by
 * `-_.:/+=~`) an ASCII letter or digit, within TOKEN_REACH bytes either way? `хохр-1`
 * (Cyrillic) and `ΑWS_SΕSSΙΟΝ` have; `мир,` has not.
 */
function inMixedToken(s: string, start: number, end: number): boolean {
  for (let i = start - 1, stop = Math.max(0, start - TOKEN_REACH); i >= stop; i--) {
    const c = s.charCodeAt(i);
    if (alnum(c)) return true;
    if (!joiner(c)) break;
  }
  for (let i = end, stop = Math.min(s.length, end + TOKEN_REACH); i < stop; i++) {
    const c = s.charCodeAt(i);
    if (alnum(c)) return true;
    if (!joiner(c)) break;
  }
  return false;
}

/** Printable ASCII or a tab or line break: a control between two of them is a disguise in text. */
function textual(c: number): boolean {
  return (c >= 0x20 && c <= 0x7e) || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** An ASCII control that is not a tab or a line break. */
function control(c: number): boolean {
  return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f;
}

/** A UTF-8 lead byte or an ASCII control: only multi-byte sequences and controls are ever folded or dropped. */
// eslint-disable-next-line no-control-regex
const LEAD = /[\xc2-\xf4\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
/** How far the next lead byte or control is looked for byte by byte before the native search (dense non-ASCII text finds it here without a match object). */
const NEAR = 32;

/** Where the next lead byte or control is, from `at`; -1 when none. */
function nextAt(s: string, at: number, n: number): number {
  const near = Math.min(n, at + NEAR);
  for (let k = at; k < near; k++) {
    const c = s.charCodeAt(k);
    if ((c >= 0xc2 && c <= 0xf4) || control(c)) return k;
  }
  if (near >= n) return -1;
  LEAD.lastIndex = near;
  return LEAD.exec(s)?.index ?? -1;
}

/**
 * The UTF-8 sequence at `i` as a decoder reads it: its code point times 8 plus its
 * length in bytes; -1 when it is none (a lead byte without its continuation bytes, or
 * past U+10FFFF: the byte stays as it is). A lead byte is never a continuation byte, so
 * reading from the start lands on every lead byte.
 */
function seqAt(s: string, i: number, n: number): number {
  const b = s.charCodeAt(i);
  const len = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
  if (i + len > n) return -1;
  let cp = b & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
  for (let k = 1; k < len; k++) {
    const c = s.charCodeAt(i + k);
    if ((c & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (c & 0x3f);
  }
  return cp > 0x10ffff ? -1 : cp * 8 + len;
}

/**
 * Fold and strip; undefined when nothing changes. `s` is a byte string. Lead bytes and
 * controls are found by a native search (or a short look ahead in dense non-ASCII text),
 * so ASCII around them costs no branch each; a run of sequences is read once to learn
 * whether anything in it may change and what token it is in, and again to fold it; what
 * is kept is copied a span at a time.
 */
export function foldUnicode(s: string): Mapped | undefined {
  const n = s.length;
  let at = nextAt(s, 0, n); // where the search goes on
  // Most text is ASCII without controls: one native scan says so.
  if (at < 0) return undefined;
  let parts: string[] | undefined;
  let map: Int32Array | undefined;
  let o = 0;
  let from = 0; // s[from..] not yet copied
  /** Replace s[i, i + len) with `repl` (DROP: nothing). */
  const put = (i: number, len: number, repl: number): void => {
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
  };
  for (; at >= 0; at = nextAt(s, at, n)) {
    const start = at;
    if (s.charCodeAt(start) < 0x80) {
      // ASCII controls: dropped between two characters of text, else left alone
      let end = start + 1;
      while (end < n && control(s.charCodeAt(end))) end++;
      if (textual(s.charCodeAt(start - 1)) && textual(s.charCodeAt(end))) put(start, end - start, DROP);
      at = end;
      continue;
    }
    // The sequence found and those right after it (CJK text is one after another): may
    // any of them change, and are they all capital look-alikes?
    let i = start;
    let count = 0;
    let capitals = 0;
    let changes = false; // something folds or goes whatever the token
    let lookalikes = false; // something folds in a mixed-script token
    for (;;) {
      const q = seqAt(s, i, n);
      if (q < 0) break;
      const v = classOf(q >>> 3);
      if (v >= LOOK) lookalikes = true;
      else if (v !== KEEP) changes = true;
      if (v - LOOK >= 0x41 && v - LOOK <= 0x5a) capitals++;
      count++;
      i += q & 7;
      const next = s.charCodeAt(i);
      if (!(next >= 0xc2 && next <= 0xf4)) break;
    }
    // The run ends at i; a byte there that is no UTF-8 is read again after it.
    at = count === 0 ? start + 1 : i;
    if (!changes && !lookalikes) continue;
    // A run of capital look-alikes alone (`ΚΕΥ`) is disguised too.
    const mixed = lookalikes && ((count >= 2 && capitals === count) || inMixedToken(s, start, i));
    // Look-alikes in a word of prose, and nothing else to fold: the run stays.
    if (!changes && !mixed) continue;
    for (let j = start; j < i;) {
      const q = seqAt(s, j, n);
      const len = q & 7;
      const repl = foldOf(q >>> 3, mixed);
      if (repl !== KEEP) put(j, len, repl);
      j += len;
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
