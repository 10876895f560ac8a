/**
 * The incremental RFC 6455 frame reader (FrameParser): bytes in as they arrive, whole
 * frames out, their payloads as views of what was read. The frame format itself (opcodes,
 * masks, encoding) is in frames.ts.
 */
import { CLOSE, FrameError, joinParts, type Frame } from './frames.js';

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
    const head = joinParts(this.take(h.headerLen), h.headerLen);
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
