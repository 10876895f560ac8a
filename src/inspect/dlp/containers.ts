/**
 * Uploads that carry compressed files without saying so (no `Content-Encoding`): a
 * gzip or zlib stream (a `.gz`, a `.tar.gz`), a zip archive, and a git push over
 * smart HTTP (receive-pack commands, then a packfile whose objects are each a zlib
 * stream). The body's first bytes say which; the body is then kept (up to the scan
 * limit) and, at its end, every compressed member is inflated, within one output
 * bound, and handed back as text to scan.
 *
 * Nothing that cannot be read passes silently: a member compressed with a method this
 * module does not know, or output past the bound, is reported as `unread` (the caller
 * makes it a `dlp_scan_limit` finding, which blocks unless `on_incomplete: warn`).
 *
 * @example
 * const kind = sniffContainer(firstBytes); // 'git-pack'
 * unpackContainer(kind, body, 64 << 20, (text) => scan(text), (why) => report(why));
 */
import { inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { compressedKind, inflateBounded } from './layer-decoders.js';

export type ContainerKind = 'gzip' | 'zlib' | 'zip' | 'git-pack';

/** How many first bytes `sniffContainer` wants (fewer only when the body is shorter). */
export const SNIFF_BYTES = 96;

const PKT_CMD = /^[0-9a-f]{4}[0-9a-f]{40} [0-9a-f]{40} /;

/** What the body's first bytes say it is, or undefined for anything else. */
export function sniffContainer(head: Buffer): ContainerKind | undefined {
  if (head.length < 4) return undefined;
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4) return 'zip';
  if (head.toString('latin1', 0, 4) === 'PACK') return 'git-pack';
  const text = head.toString('latin1');
  if (PKT_CMD.test(text) || text.startsWith('0000PACK')) return 'git-pack';
  const k = compressedKind(head[0] as number, head[1] as number, head[2] as number);
  // a zlib header is two bytes that text can start with ("x^", "x\x9c"): only a stream that inflates counts (unpack decides)
  return k;
}

interface Inflation {
  out: Buffer;
  used: number;
}

/** One raw-deflate or zlib stream at the start of `b`; its output (at most `max`) and the input it used. */
function inflateOne(b: Buffer, raw: boolean, max: number): Inflation | 'too-large' | 'bad' {
  const opts = { maxOutputLength: Math.max(1, max), info: true } as ZlibOptions & { info: true };
  try {
    const r = (raw ? inflateRawSync(b, opts) : inflateSync(b, opts)) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    return { out: r.buffer, used: r.engine.bytesWritten };
  } catch (err) {
    return err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : 'bad';
  }
}

/**
 * Inflate every member of `body` (a `kind` container), `max` output bytes in all.
 * `onText` gets each member's bytes as a byte string; `onUnread` says why some could
 * not be read. Returns false when `kind` was a false alarm (a text that starts like a
 * zlib header but does not inflate): the body is then just what the text scan read.
 */
export function unpackContainer(kind: ContainerKind, body: Buffer, max: number, onText: (text: string) => void, onUnread: (why: string) => void): boolean {
  let left = max;
  const take = (r: Inflation | 'too-large' | 'bad', what: string): number => {
    if (r === 'too-large') {
      onUnread(`${what} decompresses beyond ${max} bytes`);
      return -1;
    }
    if (r === 'bad') {
      onUnread(`${what} is corrupt or uses a compression DLP cannot read`);
      return -1;
    }
    left -= r.out.length;
    onText(r.out.toString('latin1'));
    return r.used;
  };
  if (kind === 'gzip' || kind === 'zlib') {
    const r = inflateBounded(body, kind, left);
    if (r.ok) {
      onText(r.text);
      return true;
    }
    if (kind === 'zlib' && !r.tooLarge) return false;
    onUnread(r.tooLarge ? `the ${kind} upload decompresses beyond ${max} bytes` : `the ${kind} upload is corrupt`);
    return true;
  }
  if (kind === 'zip') {
    for (let at = 0; at >= 0 && at + 30 <= body.length; at = body.indexOf('PK\x03\x04', at + 4, 'latin1')) {
      if (body.readUInt32LE(at) !== 0x04034b50) continue;
      const method = body.readUInt16LE(at + 8);
      const data = at + 30 + body.readUInt16LE(at + 26) + body.readUInt16LE(at + 28);
      if (method === 0) continue; // stored: the text scan already read it
      if (method !== 8) {
        onUnread(`a zip entry uses compression method ${method}, which DLP cannot read`);
        continue;
      }
      if (take(inflateOne(body.subarray(data), true, left), 'a zip entry') < 0) return true;
    }
    return true;
  }
  unpackGitPack(body, (r, what) => take(r === null ? 'bad' : inflateOne(body.subarray(r), false, left), what));
  return true;
}

/**
 * Walk a receive-pack body: pkt-lines up to the flush packet, then `PACK`, version,
 * object count, and per object its type-and-size varint (plus a delta base offset or
 * id) before its zlib stream. `inflateAt` inflates at an offset (null: the pack is
 * malformed there) and returns the input it used, or -1 to stop.
 */
function unpackGitPack(b: Buffer, inflateAt: (at: number | null, what: string) => number): void {
  let p = 0;
  while (p + 4 <= b.length && b.toString('latin1', p, p + 4) !== 'PACK') {
    const len = parseInt(b.toString('latin1', p, p + 4), 16);
    if (!Number.isFinite(len)) return void inflateAt(null, 'the git push');
    p += len === 0 ? 4 : len;
  }
  if (p + 12 > b.length) return;
  const count = b.readUInt32BE(p + 8);
  p += 12;
  for (let i = 0; i < count && p < b.length; i++) {
    let c = b[p++] as number;
    const type = (c >> 4) & 7;
    while (c & 0x80 && p < b.length) c = b[p++] as number;
    if (type === 6) {
      do c = b[p++] as number;
      while (c & 0x80 && p < b.length);
    } else if (type === 7) p += 20;
    if (type === 0 || type === 5 || p >= b.length) return void inflateAt(null, 'a git object');
    const used = inflateAt(p, 'a git object');
    if (used <= 0) return;
    p += used;
  }
}
