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

/** The byte-by-byte foldUnicode it replaced (with the same code point test). */
function refFold(s: string): Mapped | undefined {
  const CF = /^\p{Cf}$/u;
  const invisible = (cp: number): boolean =>
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef) ||
    [0x180b, 0x180c, 0x180d, 0x180f, 0x115f, 0x1160, 0x3164, 0xffa0, 0x2800, 0x034f].includes(cp) ||
    CF.test(String.fromCodePoint(cp));
  if (!/[\xc2-\xf4]/.test(s)) return undefined;
  const n = s.length;
  let out: number[] | undefined;
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
        len = 1;
        cp = b;
      }
    }
    let repl = -2;
    if (len > 1) {
      if (cp >= 0xff01 && cp <= 0xff5e) repl = cp - 0xfee0;
      else if (cp === 0x3000) repl = 0x20;
      else if (invisible(cp)) repl = -1;
    }
    if (repl !== -2 && out === undefined) {
      out = [];
      map = new Int32Array(n);
      for (let k = 0; k < i; k++) {
        map[k] = k;
        out.push(s.charCodeAt(k));
      }
      o = i;
    }
    if (out !== undefined && map !== undefined) {
      if (repl >= 0) {
        map[o++] = i;
        out.push(repl);
      } else if (repl === -2) {
        for (let k = 0; k < len; k++) {
          map[o++] = i + k;
          out.push(s.charCodeAt(i + k));
        }
      }
    }
    i += len;
  }
  if (out === undefined || map === undefined) return undefined;
  return { text: Buffer.from(out).toString('latin1'), map: map.subarray(0, o) };
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
    assert.equal(f?.text, Buffer.from('AKIA \u00e9\u4e2d xy', 'utf8').toString('latin1'));
  }
});
