/**
 * Decoders rewritten for speed (quoted-printable and Unicode folding into byte arrays,
 * UTF-16 stretches found from the NULs) against the char-by-char versions they
 * replaced, kept here as the reference: same text, same map, on random byte strings
 * dense in the bytes each one looks at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quotedPrintable, utf16Spans } from '../../../src/inspect/dlp/layer-decoders.js';
import { foldUnicode } from '../../../src/inspect/dlp/unicode-fold.js';
import { CONFUSABLES } from '../../../src/inspect/injection/confusables.js';
import { TEXT_ESCAPE, MappedBuilder, unescapeText, utf8Bytes, type Mapped } from '../../../src/inspect/dlp/decode.js';

function rng(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

/** The string-concatenating MappedBuilder the decoders used. */
class RefBuilder {
  text = '';
  private readonly map: Int32Array;
  constructor(n: number) {
    this.map = new Int32Array(n);
  }
  add(char: string, from: number): void {
    this.map[this.text.length] = from;
    this.text += char;
  }
  done(): Mapped {
    return { text: this.text, map: this.map.subarray(0, this.text.length) };
  }
}

function refUnescape(s: string): Mapped | undefined {
  if (!TEXT_ESCAPE.test(s)) return undefined;
  const hexv = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1);
  const out = new RefBuilder(s.length);
  for (let i = 0; i < s.length; i++) {
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

function refQuotedPrintable(s: string): Mapped | undefined {
  if (!/=\r?\n/.test(s)) return undefined;
  const out = new RefBuilder(s.length);
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

function refUtf16Spans(s: string): Array<Mapped & { start: number; end: number }> {
  const textByte = (c: number): boolean => (c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13;
  const out: Array<Mapped & { start: number; end: number }> = [];
  const n = s.length;
  for (let parity = 0; parity < 2; parity++) {
    let i = parity;
    while (i + 1 < n) {
      if (!(s.charCodeAt(i + 1) === 0 && textByte(s.charCodeAt(i)))) {
        i += 2;
        continue;
      }
      let j = i;
      while (j < n && (j + 1 === n || s.charCodeAt(j + 1) === 0) && textByte(s.charCodeAt(j))) j += 2;
      if (j < n && j > i && textByte(s.charCodeAt(j))) j += 2;
      const chars = (Math.min(j, n + 1) - i) >>> 1;
      if (chars >= 8) {
        let text = '';
        const map = new Int32Array(chars);
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

function randomBytes(rnd: () => number, alphabet: string, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += rnd() < 0.6 ? (alphabet[Math.floor(rnd() * alphabet.length)] as string) : String.fromCharCode(Math.floor(rnd() * 256));
  return s;
}

const same = (a: Mapped | undefined, b: Mapped | undefined, s: string): void => {
  assert.deepEqual(
    a === undefined ? undefined : { text: a.text, map: [...a.map] },
    b === undefined ? undefined : { text: b.text, map: [...b.map] },
    JSON.stringify(s),
  );
};

test('quotedPrintable: as the char-by-char decoder, on random bytes dense in =, CR, LF and hex digits', () => {
  const rnd = rng(3);
  let changed = 0;
  for (let i = 0; i < 5000; i++) {
    const s = randomBytes(rnd, '==\r\n\n0aF9gZ', Math.floor(rnd() * 80));
    const got = quotedPrintable(s);
    same(got, refQuotedPrintable(s), s);
    if (got !== undefined) changed++;
  }
  // a string past latin1 keeps its chars
  const wide = 'x=\n\u0100=41';
  same(quotedPrintable(wide), refQuotedPrintable(wide), wide);
  assert.ok(changed > 1000, `soft breaks were decoded (${changed})`);
});

test('unescapeText and MappedBuilder: as the string-built decoder, on random bytes dense in escapes', () => {
  const rnd = rng(17);
  let changed = 0;
  for (let i = 0; i < 5000; i++) {
    const pieces = ['\\x41', '\\u00e9', '\\uD83D', '\\x4', '\\u12G4', '\\', 'x', 'u', '0', 'F'];
    let s = randomBytes(rnd, 'aZ', Math.floor(rnd() * 10));
    while (s.length < 60 * rnd()) s += pieces[Math.floor(rnd() * pieces.length)] as string;
    const got = unescapeText(s);
    same(got, refUnescape(s), s);
    if (got !== undefined) changed++;
  }
  assert.ok(changed > 1000, `escapes were decoded (${changed})`);
  // past latin1 the builder concatenates, with the same map
  const b = new MappedBuilder(6);
  const r = new RefBuilder(6);
  for (const [ch, at] of [
    ['a', 0],
    ['\u0100', 1],
    ['b', 3],
    ['\ud83d\ude00', 4],
  ] as const) {
    b.add(ch, at);
    r.add(ch, at);
  }
  same(b.done(), r.done(), 'wide');
});

test('utf16Spans: as the char-by-char search, on random bytes dense in NULs and text bytes', () => {
  const rnd = rng(9);
  let found = 0;
  for (let i = 0; i < 5000; i++) {
    const le = Buffer.from('AKIA key\t=x\n'.slice(0, Math.floor(rnd() * 13)), 'utf16le').toString('latin1');
    const noise = (): string => randomBytes(rnd, '\0\0\0Aa \n\t\r', Math.floor(rnd() * 40));
    const s = noise() + le + noise() + (rnd() < 0.5 ? le.slice(1) : '') + noise();
    const got = utf16Spans(s);
    assert.deepEqual(
      got.map((x) => ({ ...x, map: [...x.map] })),
      refUtf16Spans(s).map((x) => ({ ...x, map: [...x.map] })),
      JSON.stringify(s),
    );
    found += got.length;
  }
  assert.ok(found > 500, `stretches were found (${found})`);
});

/**
 * foldUnicode read byte by byte, from its documented rules: each byte or valid sequence
 * a unit; a run of ASCII controls dropped between two characters of text; a run of
 * multi-byte units in a token with an ASCII letter or digit is a mixed-script token, where
 * look-alikes, accented letters and dashes fold too (as does a run of two or more
 * capital look-alikes alone).
 */
function refFold(s: string): Mapped | undefined {
  const CF = /^\p{Cf}$/u;
  const invisible = (cp: number): boolean =>
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef) ||
    [0x180b, 0x180c, 0x180d, 0x180f, 0x115f, 0x1160, 0x3164, 0xffa0, 0x2800, 0x034f].includes(cp) ||
    CF.test(String.fromCodePoint(cp));
  const dropped = (cp: number): boolean =>
    invisible(cp) ||
    [0xa0, 0x1680, 0x202f, 0x205f, 0x3000].includes(cp) ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    (cp >= 0x80 && cp <= 0x9f) ||
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe20 && cp <= 0xfe2f);
  const alnum = (c: number): boolean => /^[0-9A-Za-z]$/.test(String.fromCharCode(c));
  const textual = (c: number): boolean => /^[\t\n\r\x20-\x7e]$/.test(String.fromCharCode(c));
  const isControl = (c: number): boolean => (c <= 0x1f && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f;
  /** -2 kept, -1 dropped, else the ASCII code; `look`: folds only in a mixed-script token. */
  const classOf = (cp: number): { to: number; look?: true } => {
    if (cp >= 0xff01 && cp <= 0xff5e) return { to: cp - 0xfee0 };
    if (dropped(cp)) return { to: -1 };
    const ch = String.fromCodePoint(cp);
    const k = ch.normalize('NFKC');
    if (/^[0-9A-Za-z]$/.test(k)) return { to: k.charCodeAt(0) };
    const look = CONFUSABLES.get(ch);
    if (look !== undefined) return { to: (ch !== ch.toLowerCase() && /^[a-z]$/.test(look) ? look.toUpperCase() : look).charCodeAt(0), look: true };
    const d = ch.normalize('NFD');
    if (d.length > 1 && /^[0-9A-Za-z]\p{M}*$/u.test(d)) return { to: d.charCodeAt(0), look: true };
    return { to: -2 };
  };
  const fold = (cp: number, mixed: boolean): number => {
    const c = classOf(cp);
    return c.look && !mixed ? -2 : c.to;
  };
  const n = s.length;
  // units: [start, length, code point or -1 for a lone byte]
  const units: Array<[number, number, number]> = [];
  for (let i = 0; i < n;) {
    const b = s.charCodeAt(i);
    let len = 1;
    let cp = -1;
    if (b >= 0xc2 && b <= 0xf4) {
      len = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      cp = b & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
      for (let k = 1; k < len; k++) {
        const c = s.charCodeAt(i + k);
        if (i + k >= n || (c & 0xc0) !== 0x80) {
          len = 1;
          cp = -1;
          break;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
      if (len > 1 && cp > 0x10ffff) {
        len = 1;
        cp = -1;
      }
    }
    units.push([i, len, cp]);
    i += len;
  }
  const repl = new Map<number, number>(); // unit start -> -1 dropped, or the ASCII code
  for (let u = 0; u < units.length;) {
    const [start, , cp] = units[u]!;
    const control = cp < 0 && isControl(s.charCodeAt(start));
    if (cp < 0 && !control) {
      u++;
      continue;
    }
    let v = u;
    while (v < units.length && (control ? units[v]![2] < 0 && isControl(s.charCodeAt(units[v]![0])) : units[v]![2] >= 0)) v++;
    const end = v < units.length ? units[v]![0] : n;
    if (control) {
      if (textual(s.charCodeAt(start - 1)) && textual(s.charCodeAt(end))) for (let w = u; w < v; w++) repl.set(units[w]![0], -1);
    } else {
      // the token around the run (joined by -_.:/+=~ and non-ASCII bytes), 64 bytes either way
      const joiner = (c: number): boolean => c >= 0x80 || '-_.:/+='.includes(String.fromCharCode(c)) || c === 0x7e;
      let mixed = false;
      for (let k = start - 1; k >= Math.max(0, start - 64) && !mixed; k--) {
        if (alnum(s.charCodeAt(k))) mixed = true;
        else if (!joiner(s.charCodeAt(k))) break;
      }
      for (let k = end; k < Math.min(n, end + 64) && !mixed; k++) {
        if (alnum(s.charCodeAt(k))) mixed = true;
        else if (!joiner(s.charCodeAt(k))) break;
      }
      // or two or more capital look-alikes alone
      const caps = units.slice(u, v).map(([, , c]) => classOf(c));
      if (caps.length >= 2 && caps.every((c) => c.look && /^[A-Z]$/.test(String.fromCharCode(c.to)))) mixed = true;
      for (let w = u; w < v; w++) {
        const r = fold(units[w]![2], mixed);
        if (r !== -2) repl.set(units[w]![0], r);
      }
    }
    u = v;
  }
  if (repl.size === 0) return undefined;
  let out = '';
  const map: number[] = [];
  for (const [start, len] of units) {
    const r = repl.get(start);
    if (r === undefined) {
      for (let k = 0; k < len; k++) {
        map.push(start + k);
        out += s.charAt(start + k);
      }
    } else if (r >= 0) {
      map.push(start);
      out += String.fromCharCode(r);
    }
  }
  return { text: out, map: Int32Array.from(map) };
}

test('foldUnicode: as the byte-by-byte decoder, on random bytes dense in lead, continuation and format-character bytes', () => {
  const rnd = rng(23);
  const utf8 = (t: string): string => Buffer.from(t, 'utf8').toString('latin1');
  const pieces = [
    utf8('\u200b'),
    utf8('\ufe0f'),
    utf8('\uff21'),
    utf8('\u3000'),
    utf8('\u00ad'),
    utf8('\u{e0041}'),
    utf8('\u00e9'),
    utf8('\u4e2d'),
    utf8('\u0410'), // Cyrillic A
    utf8('\u043e'), // Cyrillic o
    utf8('\u00a0'),
    utf8('\u0301'),
    utf8('\u{1d400}'), // mathematical bold A
    utf8('\u2013'), // en dash
    '\x00',
    '\x7f',
    '\x01\x02',
    '\n',
    '-',
    '7',
    '\xe0\x82\xad', // overlong soft hyphen: the decoder reads it as U+00AD
    '\xf4\x90\x80\x80', // past U+10FFFF
    '\xe2\x80',
    '\xc2',
    '\x80',
    'A',
    ' ',
  ];
  let changed = 0;
  for (let i = 0; i < 5000; i++) {
    let s = randomBytes(rnd, '\xc2\xe2\xef\xf0\x80\xbf', Math.floor(rnd() * 10));
    while (s.length < 80 * rnd()) s += rnd() < 0.7 ? (pieces[Math.floor(rnd() * pieces.length)] as string) : String.fromCharCode(Math.floor(rnd() * 256));
    const got = foldUnicode(s);
    same(got, refFold(s), s);
    if (got !== undefined) changed++;
  }
  assert.ok(changed > 1000, `texts were folded (${changed})`);
});

test('foldUnicode: format characters dropped, fullwidth folded, the same on a second pass (memoized)', () => {
  const s = Buffer.from('A\u200bK\ufe0f\uff29\uff21 \u00e9\u4e2d\u3000x\u{e0041}y', 'utf8').toString('latin1');
  for (let pass = 0; pass < 2; pass++) {
    const f = foldUnicode(s);
    // é, CJK and an ideographic space touch the x: a mixed token, so é folds too
    assert.equal(f?.text, Buffer.from('AKIA e\u4e2dxy', 'utf8').toString('latin1'));
  }
});
