/**
 * Uploads that carry compressed files without saying so (no `Content-Encoding`): a
 * gzip or zlib stream (a `.gz`, a `.tar.gz`), a zip archive, and a git push over
 * smart HTTP (receive-pack commands, then a packfile whose objects are each a zlib
 * stream). The body's first bytes say which; the body is then kept (up to the scan
 * limit) and, at its end, every compressed member is inflated, within one output
 * bound, and handed back as text to scan: all at once (`unpackContainer`), or a step
 * at a time with the inflation on the thread pool (`unpackSteps`, `inflateOffLoop`).
 *
 * Nothing that cannot be read passes silently: a member compressed with a method this
 * module does not know, or output past the bound, is reported as `unread` (the caller
 * makes it a `dlp_scan_limit` finding, which blocks unless `on_incomplete: warn`).
 *
 * @example
 * const kind = sniffContainer(firstBytes); // 'git-pack'
 * unpackContainer(kind, body, 64 << 20, (text) => scan(text), (why) => report(why));
 */
import { constants, gunzip, gunzipSync, inflate, inflateRaw, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { compressedKind } from './layer-decoders.js';

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

/** One inflation the walk needs: the whole body (gzip, zlib), or one member at the start of `bytes`. */
export interface Inflate {
  bytes: Buffer;
  format: 'gzip' | 'zlib' | 'raw';
  /** The whole body: a stream cut short yields what it held (a truncated upload still carries its secret). */
  whole: boolean;
  /** Output bound. */
  max: number;
}

/** An inflation's output and the input it used, or why there is none. */
export type Inflated = { out: Buffer; used: number } | 'too-large' | 'bad';

/** What the walk of a container asks of its driver: an inflation (answered by `next`), text to scan, or what went unread. */
export type UnpackStep = { inflate: Inflate } | { text: Buffer } | { unread: string };

const CORRUPT = 'is corrupt or uses a compression DLP cannot read';
const ENGINES = { gzip: [gunzipSync, gunzip], zlib: [inflateSync, inflate], raw: [inflateRawSync, inflateRaw] } as const;

function zlibOptions(step: Inflate): ZlibOptions & { info: true } {
  const opts: ZlibOptions & { info: true } = { maxOutputLength: Math.max(1, step.max), info: true };
  if (step.whole) opts.finishFlush = constants.Z_SYNC_FLUSH;
  return opts;
}

type WithInfo = { buffer: Buffer; engine: { bytesWritten: number } };
const inflated = (r: WithInfo): Inflated => ({ out: r.buffer, used: r.engine.bytesWritten });
const failed = (err: unknown): Inflated => (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : 'bad');

/** Inflate now, on this thread. */
export function inflateNow(step: Inflate): Inflated {
  try {
    return inflated(ENGINES[step.format][0](step.bytes, zlibOptions(step)) as unknown as WithInfo);
  } catch (err) {
    return failed(err);
  }
}

/** Inflate on the thread pool (the same zlib call and bounds), leaving the event loop free meanwhile. */
export function inflateOffLoop(step: Inflate): Promise<Inflated> {
  return new Promise((resolve) => {
    ENGINES[step.format][1](step.bytes, zlibOptions(step), (err, r) => resolve(err ? failed(err) : inflated(r as unknown as WithInfo)));
  });
}

/**
 * The walk of `body` (a `kind` container), `max` output bytes in all, one step at a
 * time: it asks for each member's inflation (its driver answers with `next(inflated)`),
 * then hands the member's bytes on as text, or says why some could not be read. One
 * walk, two drivers: `unpackContainer` (all at once) and a paced one that inflates off
 * the event loop and scans in slices (body-scanner.ts). Returns false when `kind` was a
 * false alarm (a text that starts like a zlib header but does not inflate): the body is
 * then just what the text scan read.
 */
export function* unpackSteps(kind: ContainerKind, body: Buffer, max: number): Generator<UnpackStep, boolean, Inflated> {
  let left = max;
  /** One member: its text, or why it is unread (-1: stop the walk); the input it used. */
  function* member(bytes: Buffer, format: 'zlib' | 'raw', what: string): Generator<UnpackStep, number, Inflated> {
    const r = yield { inflate: { bytes, format, whole: false, max: left } };
    if (r === 'too-large' || r === 'bad') {
      yield { unread: r === 'too-large' ? `${what} decompresses beyond ${max} bytes` : `${what} ${CORRUPT}` };
      return -1;
    }
    left -= r.out.length;
    yield { text: r.out };
    return r.used;
  }
  if (kind === 'gzip' || kind === 'zlib') {
    const r = yield { inflate: { bytes: body, format: kind, whole: true, max: left } };
    if (typeof r === 'object') {
      yield { text: r.out };
      return true;
    }
    if (kind === 'zlib' && r === 'bad') return false;
    yield { unread: r === 'too-large' ? `the ${kind} upload decompresses beyond ${max} bytes` : `the ${kind} upload is corrupt` };
    return true;
  }
  if (kind === 'zip') {
    for (let at = 0; at >= 0 && at + 30 <= body.length; at = body.indexOf('PK\x03\x04', at + 4, 'latin1')) {
      if (body.readUInt32LE(at) !== 0x04034b50) continue;
      const method = body.readUInt16LE(at + 8);
      const data = at + 30 + body.readUInt16LE(at + 26) + body.readUInt16LE(at + 28);
      if (method === 0) continue; // stored: the text scan already read it
      if (method !== 8) {
        yield { unread: `a zip entry uses compression method ${method}, which DLP cannot read` };
        continue;
      }
      if ((yield* member(body.subarray(data), 'raw', 'a zip entry')) < 0) return true;
    }
    return true;
  }
  const objects = gitObjects(body);
  for (let o = objects.next(0); !o.done;) {
    const { at, what } = o.value;
    if (at === null) {
      yield { unread: `${what} ${CORRUPT}` };
      return true;
    }
    o = objects.next(yield* member(body.subarray(at), 'zlib', what));
  }
  return true;
}

/**
 * Inflate every member of `body` (a `kind` container) at once, `max` output bytes in all.
 * `onText` gets each member's bytes; `onUnread` says why some could not be read.
 * Returns false when `kind` was a false alarm (see unpackSteps).
 */
export function unpackContainer(kind: ContainerKind, body: Buffer, max: number, onText: (text: Buffer) => void, onUnread: (why: string) => void): boolean {
  const walk = unpackSteps(kind, body, max);
  let answer: Inflated = 'bad';
  for (let r = walk.next(answer); ; r = walk.next(answer)) {
    if (r.done) return r.value;
    const step = r.value;
    if ('inflate' in step) answer = inflateNow(step.inflate);
    else if ('text' in step) onText(step.text);
    else onUnread(step.unread);
  }
}

/**
 * Walk a receive-pack body: pkt-lines up to the flush packet, then `PACK`, version,
 * object count, and per object its type-and-size varint (plus a delta base offset or
 * id) before its zlib stream. Yields where each object's zlib stream starts (null: the
 * pack is malformed there, and the walk ends) and is told the input it used (0 or less: stop).
 */
function* gitObjects(b: Buffer): Generator<{ at: number | null; what: string }, void, number> {
  let p = 0;
  while (p + 4 <= b.length && b.toString('latin1', p, p + 4) !== 'PACK') {
    const len = parseInt(b.toString('latin1', p, p + 4), 16);
    if (!Number.isFinite(len)) return void (yield { at: null, what: 'the git push' });
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
    if (type === 0 || type === 5 || p >= b.length) return void (yield { at: null, what: 'a git object' });
    const used = yield { at: p, what: 'a git object' };
    if (used <= 0) return;
    p += used;
  }
}
