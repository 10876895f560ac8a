import { randomFillSync } from 'node:crypto';

/** RFC 6455 §5.2 opcodes the gate knows; anything else is a protocol error. */
export const OP = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** RFC 6455 §7.4.1 close codes the gate sends. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  invalidData: 1007,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
} as const;

/**
 * One frame as read off the wire. Its payload is exactly as received, still masked
 * when `mask` is set (`unmaskPayload` reads it), so a frame the gate does not inspect
 * can be forwarded without touching its bytes; and it is in `parts`, the views of the
 * reads it came in, never copied into one buffer: for a long frame that copy is a pass
 * over fresh memory (a 1 MiB frame: a few ms in one call). Consumers of a long payload
 * read it a slice at a time (sliceParts); `payloadOf` joins a short one.
 */
export interface Frame {
  fin: boolean;
  /** RSV1-3; non-zero only with an extension, and the gate negotiates none. */
  rsv: number;
  opcode: number;
  mask: Buffer | null;
  /** The payload's bytes in order (none when it is empty). */
  parts: Buffer[];
  /** Payload bytes. */
  length: number;
  /** Header plus payload bytes on the wire. */
  wireBytes: number;
}

/** A frame that breaks the protocol or a limit; `code` is the close code to answer with. */
export class FrameError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Reads shorter than this are gathered (FrameParser), into buffers of GATHER_BYTES. */
const GATHER_BELOW = 4 * 1024;
const GATHER_BYTES = 16 * 1024;

interface PendingHeader {
  fin: boolean;
  rsv: number;
  opcode: number;
  headerLen: number;
  payloadLen: number;
  masked: boolean;
}

/**
 * Incremental RFC 6455 frame reader. Bytes go in as they arrive; whole frames come
 * out. A frame's payload is buffered only up to `limit(opcode)` bytes, checked from
 * the header before any of it is kept, so an announced 2^63-byte frame costs nothing.
 * Buffered chunks are a list read from a moving index (never `shift()`ed: that is
 * linear per call on a long array), and a frame's payload comes out as views of them
 * (Frame.parts), not copied. Reads shorter than GATHER_BELOW are copied behind the
 * short reads before them, one read per call, so a frame that came in many tiny
 * reads is a few pieces, not one per read for every consumer to pay for.
 *
 * @example
 * const p = new FrameParser(() => 1 << 20);
 * socket.on('data', (chunk) => p.push(chunk, (f) => handle(f)));
 * // or pull: p.append(chunk); for (let f = p.next(); f; f = p.next()) handle(f);
 */
export class FrameParser {
  private chunks: Buffer[] = [];
  /** Index of the first chunk not yet consumed. */
  private first = 0;
  private total = 0;
  private header: PendingHeader | null = null;
  /** Where short reads are gathered, and how much of it is used. */
  private gather: Buffer | null = null;
  private gathered = 0;

  /** `limit(opcode)`: most payload bytes accepted for a frame with this opcode. */
  constructor(private readonly limit: (opcode: number) => number) {}

  /** Bytes buffered but not yet part of a complete frame. */
  get buffered(): number {
    return this.total;
  }

  /**
   * Feed bytes; `onFrame` is called for each complete frame, in order, and may return
   * false to stop parsing (the rest is discarded). Throws FrameError on a violation.
   */
  push(chunk: Buffer, onFrame: (f: Frame) => boolean): void {
    this.append(chunk);
    for (let f = this.next(); f !== null; f = this.next()) {
      if (!onFrame(f)) {
        this.clear();
        return;
      }
    }
  }

  /** Buffer bytes without parsing them (`next` reads frames out). */
  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.total += chunk.length;
    if (chunk.length >= GATHER_BELOW) {
      this.chunks.push(chunk);
      return;
    }
    if (this.gather === null || this.gathered + chunk.length > this.gather.length) {
      this.gather = Buffer.allocUnsafe(GATHER_BYTES);
      this.gathered = 0;
    }
    const g = this.gather;
    const at = this.gathered;
    chunk.copy(g, at);
    this.gathered += chunk.length;
    // Right behind the last buffered chunk in the same buffer: that chunk grows.
    const lastAt = this.chunks.length - 1;
    const last = lastAt >= this.first ? this.chunks[lastAt]! : null;
    if (last !== null && last.buffer === g.buffer && last.byteOffset + last.length === g.byteOffset + at) {
      this.chunks[lastAt] = g.subarray(last.byteOffset - g.byteOffset, this.gathered);
    } else this.chunks.push(g.subarray(at, this.gathered));
  }

  /**
   * The next complete frame, or null until more bytes arrive. The header is read (and
   * `limit` asked) only now, so a caller that handles frames one at a time has the
   * limit follow what it has handled. Throws FrameError on a violation.
   */
  next(): Frame | null {
    const h = this.header ?? this.readHeader();
    if (h === null) return null;
    this.header = h;
    if (this.total < h.headerLen + h.payloadLen) return null;
    const head = join(this.take(h.headerLen), h.headerLen);
    const mask = h.masked ? Buffer.from(head.subarray(h.headerLen - 4, h.headerLen)) : null;
    const parts = this.take(h.payloadLen);
    this.header = null;
    return { fin: h.fin, rsv: h.rsv, opcode: h.opcode, mask, parts, length: h.payloadLen, wireBytes: h.headerLen + h.payloadLen };
  }

  /** Drop everything buffered. */
  clear(): void {
    this.chunks = [];
    this.first = 0;
    this.total = 0;
    this.header = null;
    this.gather = null;
  }

  private readHeader(): PendingHeader | null {
    if (this.total < 2) return null;
    const b = this.peek(Math.min(this.total, 14));
    const b0 = b[0]!;
    const b1 = b[1]!;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    const extLen = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const headerLen = 2 + extLen + (masked ? 4 : 0);
    if (b.length < headerLen) return null;
    let payloadLen: number;
    if (len7 === 126) payloadLen = b.readUInt16BE(2);
    else if (len7 === 127) {
      const big = b.readBigUInt64BE(2);
      if (big >> 63n !== 0n) throw new FrameError(CLOSE.protocolError, 'frame length has its most significant bit set');
      payloadLen = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
    } else payloadLen = len7;
    if (opcode >= 0x8 && (payloadLen > 125 || (b0 & 0x80) === 0)) {
      throw new FrameError(CLOSE.protocolError, 'control frames must be unfragmented and at most 125 bytes');
    }
    if (payloadLen > this.limit(opcode)) throw new FrameError(CLOSE.tooBig, `a frame of ${payloadLen} bytes exceeds the limit`);
    return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 0x7, opcode, headerLen, payloadLen, masked };
  }

  /** The first `n` buffered bytes, without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[this.first]!;
    if (first.length >= n) return first;
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    for (let i = this.first; i < this.chunks.length && off < n; i++) {
      const c = this.chunks[i]!;
      off += c.copy(out, off, 0, Math.min(c.length, n - off));
    }
    return out;
  }

  /** Consume `n` bytes (all buffered), as views of the chunks they sit in. */
  private take(n: number): Buffer[] {
    this.total -= n;
    const out: Buffer[] = [];
    for (let left = n; left > 0;) {
      const c = this.chunks[this.first]!;
      if (c.length <= left) {
        out.push(c);
        left -= c.length;
        this.drop();
      } else {
        out.push(c.subarray(0, left));
        this.chunks[this.first] = c.subarray(left);
        left = 0;
      }
    }
    return out;
  }

  /** The first chunk is used up; the list is compacted once half of it is. */
  private drop(): void {
    this.first++;
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first >= 1024 && this.first * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}

/** A 32-bit word's bytes, to read a mask key as one word in the platform's byte order. */
const KEY_WORD = new Uint32Array(1);
const KEY_BYTES = new Uint8Array(KEY_WORD.buffer);

/**
 * XOR `data` with a 4-byte key (masking and unmasking are the same), into a new buffer
 * or into `out` at `at`. The key's phase starts at `data`'s first byte: callers that
 * work on a payload in pieces cut it at multiples of 4. Large inputs are XORed a
 * 32-bit word at a time (about 4x faster than byte by byte).
 */
export function applyMask(data: Buffer, mask: Buffer, out: Buffer = Buffer.allocUnsafe(data.length), at = 0): Buffer {
  const n = data.length;
  if (n < 64) {
    for (let i = 0; i < n; i++) out[at + i] = data[i]! ^ mask[i & 3]!;
    return out;
  }
  data.copy(out, at);
  const start = out.byteOffset + at;
  // Bytes up to a 4-byte boundary of the target, then whole words, then the rest.
  const lead = (4 - (start & 3)) & 3;
  let i = 0;
  for (; i < lead; i++) out[at + i] = out[at + i]! ^ mask[i & 3]!;
  const words = (n - i) >> 2;
  for (let k = 0; k < 4; k++) KEY_BYTES[k] = mask[(i + k) & 3]!;
  const key = KEY_WORD[0]!;
  const view = new Uint32Array(out.buffer, start + i, words);
  for (let j = 0; j < words; j++) view[j] = view[j]! ^ key;
  i += words * 4;
  for (; i < n; i++) out[at + i] = out[at + i]! ^ mask[i & 3]!;
  return out;
}

/**
 * A payload given as pieces (Frame.parts), in slices of `size` bytes (the last one
 * shorter) cut where they would be in the payload as one buffer: a view when the slice
 * lies in one piece, else a copy of its `size` bytes, made only when the slice is
 * reached, so a caller that works a slice per call never copies more in one. Slices of
 * a payload start at multiples of `size`: with a `size` that is a multiple of 4, a
 * masked payload's slices are unmasked each with the key as it is (applyMask).
 *
 * @example
 * for (const slice of sliceParts(frame.parts, 16 * 1024)) scanner.push(slice);
 */
export function* sliceParts(parts: readonly Buffer[], size: number): Generator<Buffer, void, undefined> {
  let i = 0;
  let at = 0; // in parts[i]
  while (i < parts.length) {
    const p = parts[i]!;
    if (p.length - at >= size) {
      yield p.subarray(at, at + size);
      at += size;
      if (at === p.length) [i, at] = [i + 1, 0];
      continue;
    }
    // The slice spans pieces (or is the last one): its bytes are copied together.
    const pieces: Buffer[] = [];
    let n = 0;
    while (i < parts.length && n < size) {
      const q = parts[i]!;
      const k = Math.min(q.length - at, size - n);
      pieces.push(q.subarray(at, at + k));
      n += k;
      at += k;
      if (at === q.length) [i, at] = [i + 1, 0];
    }
    if (n > 0) yield join(pieces, n);
  }
}

/** `n` bytes given as pieces, as one buffer (a copy when there are several). */
function join(parts: readonly Buffer[], n: number): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
}

/** A frame's payload as received (still masked when `mask` is set) in one buffer: a copy when it came in pieces, so for short frames. */
export function payloadOf(f: { parts: readonly Buffer[]; length: number }): Buffer {
  return join(f.parts, f.length);
}

/** A (short) frame's payload in the clear, in one buffer. */
export function unmaskPayload(f: Frame): Buffer {
  return f.mask ? applyMask(payloadOf(f), f.mask) : payloadOf(f);
}

/**
 * Encode one frame. With `mask: 'new'` a fresh key is drawn (client-to-server frames
 * the gate writes itself); with a Buffer, `payload` is taken as already masked with
 * it (a frame forwarded as received); with null, the frame goes unmasked. Header and
 * payload go into one new buffer: for short payloads (a long one goes as frameParts).
 *
 * @example
 * socket.write(encodeFrame({ fin: true, opcode: OP.text, payload: Buffer.from('hi'), mask: null }));
 */
export function encodeFrame(f: { fin: boolean; opcode: number; payload: Buffer; mask: Buffer | 'new' | null }): Buffer {
  const key = f.mask === 'new' ? randomFillSync(Buffer.allocUnsafe(4)) : f.mask;
  const out = frameHead(f.fin, f.opcode, f.payload.length, key, f.payload.length);
  const at = out.length - f.payload.length;
  if (f.mask === 'new') applyMask(f.payload, key!, out, at);
  else f.payload.copy(out, at);
  return out;
}

/**
 * A frame whose payload goes as it is (already masked with `mask`, or unmasked: null),
 * given as pieces, as the buffers to write in order. A long payload goes as its header
 * and the pieces themselves: copying them behind the header into one new buffer costs
 * a pass over fresh memory (a 1 MiB message: a few ms in one call), which a few more
 * writes (one writev when corked) do not; a short one is copied into one buffer.
 *
 * @example
 * socket.cork();
 * for (const b of frameParts(frame)) socket.write(b);
 * socket.uncork();
 */
export function frameParts(f: { fin: boolean; opcode: number; mask: Buffer | null; parts: readonly Buffer[]; length: number }): Buffer[] {
  if (f.length >= SEPARATE_PAYLOAD_BYTES) return [frameHead(f.fin, f.opcode, f.length, f.mask, 0), ...f.parts];
  const out = frameHead(f.fin, f.opcode, f.length, f.mask, f.length);
  let at = out.length - f.length;
  for (const p of f.parts) at += p.copy(out, at);
  return [out];
}

/** Payloads from this size (a scan slice, SLICE_BYTES) on go as buffers of their own (frameParts). */
export const SEPARATE_PAYLOAD_BYTES = 16 * 1024;

/** A new buffer with the header of a frame of `length` payload bytes, and `room` bytes after it for (some of) the payload. */
function frameHead(fin: boolean, opcode: number, length: number, mask: Buffer | null, room: number): Buffer {
  const ext = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const headLen = 2 + ext + (mask ? 4 : 0);
  const out = Buffer.allocUnsafe(headLen + room);
  out[0] = (fin ? 0x80 : 0) | opcode;
  out[1] = (mask ? 0x80 : 0) | (ext === 0 ? length : ext === 2 ? 126 : 127);
  if (ext === 2) out.writeUInt16BE(length, 2);
  else if (ext === 8) out.writeBigUInt64BE(BigInt(length), 2);
  if (mask) mask.copy(out, 2 + ext);
  return out;
}

/** A close frame's payload: the code, then a UTF-8 reason cut to fit 125 bytes. */
export function closePayload(code: number, reason: string): Buffer {
  let text = Buffer.from(reason, 'utf8');
  if (text.length > 123)
    text = Buffer.from(
      text
        .subarray(0, 123)
        .toString('utf8')
        .replace(/\uFFFD+$/, ''),
      'utf8',
    );
  const out = Buffer.allocUnsafe(2 + text.length);
  out.writeUInt16BE(code, 0);
  text.copy(out, 2);
  return out;
}
