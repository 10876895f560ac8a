/**
 * One escape sequence at a position, decoded: what the reflection scrubber reads
 * through so that an echo escaping *any subset* of a secret's characters (the .NET
 * JSON writer escapes `+`, a template engine `=`, a URL encoder `/`) still spells
 * the secret. Recognised, one layer deep:
 *
 * - JSON and JavaScript: `\uXXXX`, `\xHH`, `\"`, `\\`, `\/`, `\'`, `\b \f \n \r \t`
 * - HTML: `&#DDD;`, `&#xHH;` (the `;` may be missing, as browsers allow) and the named
 *   entities of ASCII punctuation (`&plus;`, `&equals;`, `&sol;`, `&amp;`, ...)
 * - percent-encoding: `%HH`, and `%uXXXX`
 *
 * Lookahead is bounded (MAX_ESCAPE bytes), so the caller's work stays linear per byte.
 *
 * @example
 * decodeEscapeAt(Buffer.from('a%2Bb'), 1, 5, true); // ESCAPE(3, 0x2b): 3 bytes spell '+'
 */

/** The longest escape recognised (a named entity: `&`, at most 16 letters, `;`). */
export const MAX_ESCAPE = 18;
/** Not an escape: the byte is itself. */
export const LITERAL = -1;
/** Could be an escape, but the buffer ends first (streaming: wait for more). */
export const NEED_MORE = -2;
/** A decoded escape: `len` source bytes spell code point `cp`. */
export const escapeLen = (r: number): number => Math.floor(r / 0x200000);
export const escapeCodePoint = (r: number): number => r % 0x200000;
const ESCAPE = (len: number, cp: number): number => len * 0x200000 + cp;

const SIMPLE: Readonly<Record<number, number>> = {
  0x22: 0x22,
  0x5c: 0x5c,
  0x2f: 0x2f,
  0x27: 0x27,
  0x62: 0x08,
  0x66: 0x0c,
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
};

/** HTML5 names of the ASCII characters a secret may hold (and a few spellings of each). */
const NAMED: ReadonlyMap<string, number> = new Map(
  Object.entries({
    excl: '!',
    quot: '"',
    QUOT: '"',
    num: '#',
    dollar: '$',
    percnt: '%',
    amp: '&',
    AMP: '&',
    apos: "'",
    lpar: '(',
    rpar: ')',
    ast: '*',
    midast: '*',
    plus: '+',
    comma: ',',
    period: '.',
    sol: '/',
    colon: ':',
    semi: ';',
    lt: '<',
    LT: '<',
    equals: '=',
    gt: '>',
    GT: '>',
    quest: '?',
    commat: '@',
    lsqb: '[',
    lbrack: '[',
    bsol: '\\',
    rsqb: ']',
    rbrack: ']',
    Hat: '^',
    lowbar: '_',
    UnderBar: '_',
    grave: '`',
    DiacriticalGrave: '`',
    lcub: '{',
    lbrace: '{',
    verbar: '|',
    vert: '|',
    VerticalLine: '|',
    rcub: '}',
    rbrace: '}',
    tilde: '~',
    Tab: '\t',
    NewLine: '\n',
    nbsp: '\u00a0',
  }).map(([k, v]) => [k, v.codePointAt(0)!]),
);
const MAX_NAME = 16;

/** Names by a hash of their letters, so a lookup builds no string (pages are dense with `&amp;`, `&nbsp;`). */
const nameHash = (buf: Uint8Array, from: number, to: number): number => {
  let h = to - from;
  for (let k = from; k < to; k++) h = (Math.imul(h, 31) + buf[k]!) | 0;
  return h;
};
const BY_HASH = new Map<number, { name: Uint8Array; cp: number }[]>();
for (const [name, cp] of NAMED) {
  const bytes = Buffer.from(name, 'latin1');
  const h = nameHash(bytes, 0, bytes.length);
  BY_HASH.set(h, [...(BY_HASH.get(h) ?? []), { name: bytes, cp }]);
}
function lookupName(buf: Uint8Array, from: number, to: number): number | undefined {
  const hits = BY_HASH.get(nameHash(buf, from, to));
  if (!hits) return undefined;
  for (const { name, cp } of hits) {
    if (name.length !== to - from) continue;
    let same = true;
    for (let k = 0; k < name.length && same; k++) same = name[k] === buf[from + k];
    if (same) return cp;
  }
  return undefined;
}

function hexDigit(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** `count` hex digits at `at`: their value, -1 if one is not hex, NEED_MORE past `end`. */
function hexRun(buf: Uint8Array, at: number, count: number, end: number, final: boolean): number {
  let v = 0;
  for (let k = 0; k < count; k++) {
    if (at + k >= end) return final ? -1 : NEED_MORE;
    const d = hexDigit(buf[at + k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * The escape starting at `buf[i]` (a `\`, `&` or `%`), looking no further than `end`.
 * `final`: no more bytes will come, so a cut-off escape is literal text.
 */
export function decodeEscapeAt(buf: Uint8Array, i: number, end: number, final: boolean): number {
  const t = buf[i];
  if (i + 1 >= end) return final ? LITERAL : NEED_MORE;
  const n = buf[i + 1]!;
  if (t === 0x25) {
    if (n === 0x75 || n === 0x55) {
      const v = hexRun(buf, i + 2, 4, end, final);
      if (v >= 0) return ESCAPE(6, v);
      if (v === NEED_MORE) return v;
    }
    const v = hexRun(buf, i + 1, 2, end, final);
    return v >= 0 ? ESCAPE(3, v) : v === NEED_MORE ? v : LITERAL;
  }
  if (t === 0x5c) {
    if (n === 0x75) {
      const v = hexRun(buf, i + 2, 4, end, final);
      return v >= 0 ? ESCAPE(6, v) : v === NEED_MORE ? v : LITERAL;
    }
    if (n === 0x78) {
      const v = hexRun(buf, i + 2, 2, end, final);
      return v >= 0 ? ESCAPE(4, v) : v === NEED_MORE ? v : LITERAL;
    }
    const s = SIMPLE[n];
    return s === undefined ? LITERAL : ESCAPE(2, s);
  }
  if (t === 0x26) return n === 0x23 ? numericEntity(buf, i, end, final) : namedEntity(buf, i, end, final);
  return LITERAL;
}

function numericEntity(buf: Uint8Array, i: number, end: number, final: boolean): number {
  let at = i + 2;
  if (at >= end) return final ? LITERAL : NEED_MORE;
  const hex = (buf[at]! | 0x20) === 0x78;
  if (hex) at++;
  const from = at;
  let v = 0;
  for (; at < end && at - i < MAX_ESCAPE; at++) {
    const b = buf[at]!;
    const d = hex ? hexDigit(b) : b >= 0x30 && b <= 0x39 ? b - 0x30 : -1;
    if (d < 0) break;
    v = v * (hex ? 16 : 10) + d;
  }
  if (at >= end && !final && at - i < MAX_ESCAPE) return NEED_MORE;
  if (at === from || v > 0x10ffff) return LITERAL;
  return ESCAPE(at < end && buf[at] === 0x3b ? at + 1 - i : at - i, v);
}

function namedEntity(buf: Uint8Array, i: number, end: number, final: boolean): number {
  for (let at = i + 1; at - i <= MAX_NAME + 1; at++) {
    if (at >= end) return final ? LITERAL : NEED_MORE;
    const b = buf[at]!;
    if (b === 0x3b) {
      const cp = lookupName(buf, i + 1, at);
      return cp === undefined ? LITERAL : ESCAPE(at + 1 - i, cp);
    }
    const letter = (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
    if (!letter) return LITERAL;
  }
  return LITERAL;
}
