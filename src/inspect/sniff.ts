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

export type Sniffed =
  | { kind: 'binary'; format: string }
  | { kind: 'compressed'; encoding: 'gzip' | 'deflate' }
  | { kind: 'text'; charset?: 'utf-16le' | 'utf-16be' };

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const at = (b: Buffer, off: number, sig: readonly (number | null)[]): boolean => {
  if (b.length < off + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (sig[i] !== null && b[off + i] !== sig[i]) return false;
  return true;
};

// Signatures as byte arrays, built once.
const SIG_7ZXZ = ascii('7zXZ');
const SIG_BM = ascii('BM');
const SIG_BZH = ascii('BZh');
const SIG_ELF = ascii('ELF');
const SIG_GIF87A = ascii('GIF87a');
const SIG_GIF89A = ascii('GIF89a');
const SIG_ID3 = ascii('ID3');
const SIG_IHDR = ascii('IHDR');
const SIG_MTHD = ascii('MThd');
const SIG_MZ = ascii('MZ');
const SIG_OTTO = ascii('OTTO');
const SIG_OGGS = ascii('OggS\0');
const SIG_PACK = ascii('PACK');
const SIG_PAR1 = ascii('PAR1');
const SIG_PNG = ascii('PNG\r\n');
const SIG_RIFF = ascii('RIFF');
const SIG_RAR = ascii('Rar!');
const SIG_SQLITEFORMAT3 = ascii('SQLite format 3\0');
const SIG_DEX = ascii('dex\n');
const SIG_FLAC = ascii('fLaC');
const SIG_FTYP = ascii('ftyp');
const SIG_TTCF = ascii('ttcf');
const SIG_USTAR = ascii('ustar');
const SIG_WOF2 = ascii('wOF2');
const SIG_WOFF = ascii('wOFF');

/** Binary formats by signature: [format, offset, bytes (null: any)], plus a check of what follows where a signature is short. */
const MAGIC: readonly { format: string; test: (b: Buffer) => boolean }[] = [
  { format: 'png', test: (b) => at(b, 0, [0x89, ...SIG_PNG, 0x1a, 0x0a]) && at(b, 12, SIG_IHDR) },
  { format: 'jpeg', test: (b) => at(b, 0, [0xff, 0xd8, 0xff]) },
  { format: 'gif', test: (b) => at(b, 0, SIG_GIF87A) || at(b, 0, SIG_GIF89A) },
  { format: 'riff', test: (b) => at(b, 0, SIG_RIFF) && /^(WEBP|WAVE|AVI |ACON)$/.test(b.toString('latin1', 8, 12)) },
  { format: 'bmp', test: (b) => at(b, 0, SIG_BM) && at(b, 6, [0, 0, 0, 0]) },
  { format: 'tiff', test: (b) => at(b, 0, [0x49, 0x49, 0x2a, 0x00]) || at(b, 0, [0x4d, 0x4d, 0x00, 0x2a]) },
  { format: 'ico', test: (b) => at(b, 0, [0, 0, 1, 0]) || at(b, 0, [0, 0, 2, 0]) },
  { format: 'isobmff', test: (b) => at(b, 4, SIG_FTYP) }, // mp4, mov, m4a, heic, avif
  { format: 'matroska', test: (b) => at(b, 0, [0x1a, 0x45, 0xdf, 0xa3]) },
  { format: 'ogg', test: (b) => at(b, 0, SIG_OGGS) },
  { format: 'flac', test: (b) => at(b, 0, SIG_FLAC) },
  { format: 'mp3', test: (b) => (at(b, 0, SIG_ID3) && b.length > 3 && b[3]! < 0x10) || (b[0] === 0xff && (b[1] ?? 0) >= 0xe0 && b[1] !== 0xfe) },
  { format: 'midi', test: (b) => at(b, 0, [...SIG_MTHD, 0, 0, 0, 6]) },
  { format: 'font', test: (b) => at(b, 0, SIG_WOFF) || at(b, 0, SIG_WOF2) || at(b, 0, [0, 1, 0, 0, 0]) || at(b, 0, SIG_OTTO) || at(b, 0, SIG_TTCF) },
  { format: 'zip', test: (b) => at(b, 0, [0x50, 0x4b, 0x03, 0x04]) || at(b, 0, [0x50, 0x4b, 0x05, 0x06]) || at(b, 0, [0x50, 0x4b, 0x07, 0x08]) },
  { format: '7z', test: (b) => at(b, 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { format: 'rar', test: (b) => at(b, 0, [...SIG_RAR, 0x1a, 0x07]) },
  { format: 'xz', test: (b) => at(b, 0, [0xfd, ...SIG_7ZXZ, 0x00]) },
  { format: 'bzip2', test: (b) => at(b, 0, SIG_BZH) && (b[3] ?? 0) >= 0x31 && (b[3] ?? 0) <= 0x39 && at(b, 4, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]) },
  { format: 'zstd', test: (b) => at(b, 0, [0x28, 0xb5, 0x2f, 0xfd]) },
  { format: 'lz4', test: (b) => at(b, 0, [0x04, 0x22, 0x4d, 0x18]) },
  { format: 'tar', test: (b) => at(b, 257, SIG_USTAR) },
  { format: 'wasm', test: (b) => at(b, 0, [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]) },
  { format: 'elf', test: (b) => at(b, 0, [0x7f, ...SIG_ELF]) },
  { format: 'mach-o', test: (b) => [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(b.length >= 4 ? b.readUInt32BE(0) : -1) },
  { format: 'pe', test: (b) => at(b, 0, SIG_MZ) && b.length >= 0x40 && b.indexOf('PE\0\0', 0x40, 'latin1') !== -1 },
  { format: 'sqlite', test: (b) => at(b, 0, SIG_SQLITEFORMAT3) },
  { format: 'parquet', test: (b) => at(b, 0, SIG_PAR1) },
  { format: 'dex', test: (b) => at(b, 0, SIG_DEX) },
  { format: 'git-pack', test: (b) => at(b, 0, [...SIG_PACK, 0, 0, 0]) },
];

/**
 * Decide from the head of a body. `complete` says the head is the whole body; with
 * fewer than SNIFF_BYTES of an unfinished body, null: wait for more.
 */
export function sniffBody(head: Buffer, complete: boolean): Sniffed | null {
  if (!complete && head.length < SNIFF_BYTES) return null;
  const b = head.length > SNIFF_BYTES ? head.subarray(0, SNIFF_BYTES) : head;
  if (b.length === 0) return { kind: 'text' };
  if (at(b, 0, [0xef, 0xbb, 0xbf])) return { kind: 'text' };
  if (at(b, 0, [0xff, 0xfe])) return { kind: 'text', charset: 'utf-16le' };
  if (at(b, 0, [0xfe, 0xff])) return { kind: 'text', charset: 'utf-16be' };
  if (at(b, 0, [0x1f, 0x8b, 0x08])) return { kind: 'compressed', encoding: 'gzip' };
  if (b.length >= 2 && isZlibHeader(b[0]!, b[1]!)) return { kind: 'compressed', encoding: 'deflate' };
  for (const m of MAGIC) if (m.test(b)) return { kind: 'binary', format: m.format };
  // MIME multipart framing is text whatever its parts hold: the text parts are read (and scanned) as such.
  if (MULTIPART.test(b.toString('latin1', 0, Math.min(b.length, 512)))) return { kind: 'text' };
  const wide = utf16WithoutBom(b);
  if (wide) return { kind: 'text', charset: wide };
  // Text is what a reader decodes without a wall of control bytes and broken UTF-8.
  return nonTextBytes(b, complete) * 10 >= b.length ? { kind: 'binary', format: 'unknown' } : { kind: 'text' };
}

/** A boundary line and the first part's header lines (a preamble may come first). */
const MULTIPART = /^(?:[^\0]{0,200}?\r?\n)?--[\x21-\x7e][\x20-\x7e]{0,69}\r?\n(?:[A-Za-z0-9-]+:[^\r\n]*\r?\n)*\r?\n/;

/** A zlib stream header (CMF, FLG): deflate with a window up to 32 KiB and a valid check value. */
function isZlibHeader(b0: number, b1: number): boolean {
  return b0 === 0x78 && ((b0 << 8) | b1) % 31 === 0;
}

/** ASCII text written as UTF-16 without a byte-order mark: every other byte zero. */
function utf16WithoutBom(b: Buffer): 'utf-16le' | 'utf-16be' | null {
  if (b.length < 16) return null;
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
  for (let i = 0; i < b.length; ) {
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
