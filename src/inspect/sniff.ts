/**
 * What a body is, from its bytes rather than its label: a response labelled
 * `application/octet-stream`, `application/x-sh` or `multipart/mixed` is read by a
 * model as text all the same. Real binary formats are told by their magic bytes
 * (and a little of their header, so four bytes of "PNG" in front of text do not
 * pass); gzip and zlib bodies are compressed text until their decoded bytes say
 * otherwise; anything else is text unless its first bytes are plainly not (control
 * bytes and invalid UTF-8 in bulk, as in random or zero-filled data).
 *
 * Pure and bounded: it reads at most SNIFF_BYTES of the head.
 *
 * @example
 * sniffBody(Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\rIHDR...'), true); // { kind: 'binary', format: 'png' }
 * sniffBody(Buffer.from('Ignore all previous instructions'), true); // { kind: 'text' }
 * sniffBody(gzipSync('hello'), true);                               // { kind: 'compressed', encoding: 'gzip' }
 */

/** Bytes of the head a decision needs at most (tar's magic sits at 257). */
export const SNIFF_BYTES = 1024;
const LOOK_BYTES = 512;

export type Sniffed =
  | { kind: 'binary'; format: string }
  | { kind: 'compressed'; encoding: 'gzip' | 'deflate' }
  | { kind: 'text'; charset?: 'utf-16le' | 'utf-16be'; multipart?: true };

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const at = (b: Buffer, off: number, sig: readonly (number | null)[]): boolean => {
  if (b.length < off + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (sig[i] !== null && b[off + i] !== sig[i]) return false;
  return true;
};

/** A signature as bytes: numbers as they are, strings as latin1. */
const sig = (...parts: (number | string)[]): number[] => parts.flatMap((p) => (typeof p === 'number' ? [p] : ascii(p)));

interface Magic {
  format: string;
  /** First bytes the format can start with (null: its signature is not at offset 0). */
  first: readonly number[] | null;
  test: (b: Buffer) => boolean;
}

/** Any of these signatures at `off`. */
const anyAt =
  (off: number, ...sigs: number[][]): ((b: Buffer) => boolean) =>
  (b) =>
    sigs.some((s) => at(b, off, s));

const PNG = sig(0x89, 'PNG\r\n', 0x1a, 0x0a);
const IHDR = sig('IHDR');
const RIFF_KINDS = new Set(['WEBP', 'WAVE', 'AVI ', 'ACON']);
const ID3 = sig('ID3');
const BZH = sig('BZh');
const BZ_BLOCK = sig(0x31, 0x41, 0x59, 0x26, 0x53, 0x59);
const MZ = sig('MZ');
const MACH_O = new Set([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe]);

/** Binary formats by signature, with a check of what follows where a signature is short. */
const MAGIC: readonly Magic[] = [
  { format: 'png', first: [0x89], test: (b) => at(b, 0, PNG) && at(b, 12, IHDR) },
  { format: 'jpeg', first: [0xff], test: anyAt(0, sig(0xff, 0xd8, 0xff)) },
  { format: 'gif', first: [0x47], test: anyAt(0, sig('GIF87a'), sig('GIF89a')) },
  { format: 'riff', first: [0x52], test: (b) => at(b, 0, sig('RIFF')) && RIFF_KINDS.has(b.toString('latin1', 8, 12)) },
  { format: 'bmp', first: [0x42], test: (b) => at(b, 0, sig('BM')) && at(b, 6, [0, 0, 0, 0]) },
  { format: 'tiff', first: [0x49, 0x4d], test: anyAt(0, sig('II', 0x2a, 0), sig('MM', 0, 0x2a)) },
  { format: 'ico', first: [0x00], test: anyAt(0, [0, 0, 1, 0], [0, 0, 2, 0]) },
  { format: 'isobmff', first: null, test: anyAt(4, sig('ftyp')) }, // mp4, mov, m4a, heic, avif
  { format: 'matroska', first: [0x1a], test: anyAt(0, [0x1a, 0x45, 0xdf, 0xa3]) },
  { format: 'ogg', first: [0x4f], test: anyAt(0, sig('OggS', 0)) },
  { format: 'flac', first: [0x66], test: anyAt(0, sig('fLaC')) },
  {
    format: 'mp3',
    first: [0x49, 0xff],
    test: (b) => (at(b, 0, ID3) && b.length > 3 && b[3]! < 0x10) || (b[0] === 0xff && (b[1] ?? 0) >= 0xe0 && b[1] !== 0xfe),
  },
  { format: 'midi', first: [0x4d], test: anyAt(0, sig('MThd', 0, 0, 0, 6)) },
  { format: 'font', first: [0x77, 0x00, 0x4f, 0x74], test: anyAt(0, sig('wOFF'), sig('wOF2'), [0, 1, 0, 0, 0], sig('OTTO'), sig('ttcf')) },
  { format: 'zip', first: [0x50], test: anyAt(0, sig('PK', 3, 4), sig('PK', 5, 6), sig('PK', 7, 8)) },
  { format: '7z', first: [0x37], test: anyAt(0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { format: 'rar', first: [0x52], test: anyAt(0, sig('Rar!', 0x1a, 0x07)) },
  { format: 'xz', first: [0xfd], test: anyAt(0, sig(0xfd, '7zXZ', 0)) },
  { format: 'bzip2', first: [0x42], test: (b) => at(b, 0, BZH) && (b[3] ?? 0) >= 0x31 && (b[3] ?? 0) <= 0x39 && at(b, 4, BZ_BLOCK) },
  { format: 'zstd', first: [0x28], test: anyAt(0, [0x28, 0xb5, 0x2f, 0xfd]) },
  { format: 'lz4', first: [0x04], test: anyAt(0, [0x04, 0x22, 0x4d, 0x18]) },
  { format: 'tar', first: null, test: anyAt(257, sig('ustar')) },
  { format: 'wasm', first: [0x00], test: anyAt(0, sig(0, 'asm', 1, 0, 0, 0)) },
  { format: 'elf', first: [0x7f], test: anyAt(0, sig(0x7f, 'ELF')) },
  { format: 'mach-o', first: [0xfe, 0xce, 0xcf, 0xca], test: (b) => b.length >= 4 && MACH_O.has(b.readUInt32BE(0)) },
  { format: 'pe', first: [0x4d], test: (b) => at(b, 0, MZ) && b.length >= 0x40 && b.indexOf('PE\0\0', 0x40, 'latin1') !== -1 },
  { format: 'sqlite', first: [0x53], test: anyAt(0, sig('SQLite format 3', 0)) },
  { format: 'parquet', first: [0x50], test: anyAt(0, sig('PAR1')) },
  { format: 'dex', first: [0x64], test: anyAt(0, sig('dex\n')) },
  { format: 'git-pack', first: [0x50], test: anyAt(0, sig('PACK', 0, 0, 0)) },
];

/** The byte order marks a browser honours over any label (WHATWG Encoding's decode), and what each says. */
const BOMS: readonly { bytes: readonly number[]; charset: 'utf-8' | 'utf-16le' | 'utf-16be' }[] = [
  { bytes: [0xef, 0xbb, 0xbf], charset: 'utf-8' },
  { bytes: [0xff, 0xfe], charset: 'utf-16le' },
  { bytes: [0xfe, 0xff], charset: 'utf-16be' },
];

/**
 * The charset a byte order mark at the start of `b` says; null when there is none, and
 * `'partial'` when `b` is shorter than a mark it begins (more bytes decide).
 *
 * @example
 * byteOrderMark(Buffer.from([0xff, 0xfe, 0x41, 0])); // 'utf-16le'
 * byteOrderMark(Buffer.from([0xef]));                 // 'partial'
 */
export function byteOrderMark(b: Buffer): 'utf-8' | 'utf-16le' | 'utf-16be' | 'partial' | null {
  for (const m of BOMS) {
    if (at(b, 0, m.bytes)) return m.charset;
    if (b.length < m.bytes.length && b.every((x, i) => x === m.bytes[i])) return 'partial';
  }
  return null;
}
const GZIP = [0x1f, 0x8b, 0x08];

/** The formats to try for a first byte: those that start with it, and those whose signature sits further in. */
const BY_FIRST: readonly (readonly Magic[])[] = Array.from({ length: 256 }, (_, byte) => MAGIC.filter((m) => m.first === null || m.first.includes(byte)));

/**
 * Decide from the head of a body. `complete` says the head is the whole body; with
 * fewer than SNIFF_BYTES of an unfinished body, null: wait for more.
 */
export function sniffBody(head: Buffer, complete: boolean): Sniffed | null {
  if (!complete && head.length < SNIFF_BYTES) return null;
  const b = head.length > SNIFF_BYTES ? head.subarray(0, SNIFF_BYTES) : head;
  if (b.length === 0) return { kind: 'text' };
  const bom = byteOrderMark(b);
  if (bom === 'utf-8') return { kind: 'text' };
  if (bom === 'utf-16le' || bom === 'utf-16be') return { kind: 'text', charset: bom };
  if (at(b, 0, GZIP)) return { kind: 'compressed', encoding: 'gzip' };
  if (b.length >= 2 && isZlibHeader(b[0]!, b[1]!)) return { kind: 'compressed', encoding: 'deflate' };
  for (const m of BY_FIRST[b[0]!]!) if (m.test(b)) return { kind: 'binary', format: m.format };
  // MIME multipart framing is text whatever its parts hold: the text parts are read (and scanned) as such.
  if (b.indexOf(DASHES) !== -1 && MULTIPART.test(b.toString('latin1', 0, Math.min(b.length, 512)))) return { kind: 'text', multipart: true };
  // The look of the first 512 bytes is enough for what follows (and cheap on every response).
  const t = b.length > LOOK_BYTES ? b.subarray(0, LOOK_BYTES) : b;
  const wide = utf16WithoutBom(t);
  if (wide) return { kind: 'text', charset: wide };
  // Text is what a reader decodes without a wall of control bytes and broken UTF-8.
  return nonTextBytes(t, complete && t === b) * 10 >= t.length ? { kind: 'binary', format: 'unknown' } : { kind: 'text' };
}

const DASHES = Buffer.from('--');
/** A boundary line and the first part's header lines (a preamble may come first). */
const MULTIPART = /^(?:[^\0]{0,200}?\r?\n)?--[\x21-\x7e][\x20-\x7e]{0,69}\r?\n(?:[A-Za-z0-9-]+:[^\r\n]*\r?\n)*\r?\n/;

/** A zlib stream header (CMF, FLG): deflate with a window up to 32 KiB and a valid check value. */
function isZlibHeader(b0: number, b1: number): boolean {
  return b0 === 0x78 && ((b0 << 8) | b1) % 31 === 0;
}

/** ASCII text written as UTF-16 without a byte-order mark: every other byte zero. */
function utf16WithoutBom(b: Buffer): 'utf-16le' | 'utf-16be' | null {
  // Either answer needs zero bytes in 80% of the pairs: without one zero byte (a native
  // search, where the loop below reads every byte in JavaScript) it is neither.
  if (b.length < 16 || b.indexOf(0) === -1) return null;
  let evenZero = 0;
  let oddZero = 0;
  const n = b.length - (b.length % 2);
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenZero++;
    if (b[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero >= pairs * 0.8 && evenZero <= pairs * 0.05) return 'utf-16le';
  if (evenZero >= pairs * 0.8 && oddZero <= pairs * 0.05) return 'utf-16be';
  return null;
}

/** Control bytes (not tab, newlines, form feed, escape) and bytes of invalid UTF-8 sequences. */
function nonTextBytes(b: Buffer, complete: boolean): number {
  let bad = 0;
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) {
      if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d && c !== 0x1b) || c === 0x7f) bad++;
      i++;
      continue;
    }
    const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0) {
      bad++;
      i++;
      continue;
    }
    // A sequence cut by the end of the head is not held against it.
    if (i + len > b.length) return complete ? bad + (b.length - i) : bad;
    let ok = true;
    for (let k = 1; k < len; k++) if ((b[i + k]! & 0xc0) !== 0x80) ok = false;
    if (ok) i += len;
    else {
      bad++;
      i++;
    }
  }
  return bad;
}
