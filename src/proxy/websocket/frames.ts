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
 * One frame as read off the wire. `payload` is exactly as received: still masked
 * when `mask` is set (call `unmaskPayload` to read it), so a frame the gate does not
 * inspect can be forwarded without touching its bytes.
 */
export interface Frame {
  fin: boolean;
  /** RSV1-3; non-zero only with an extension, and the gate negotiates none. */
  rsv: number;
  opcode: number;
  mask: Buffer | null;
  payload: Buffer;
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
 *
 * @example
 * const p = new FrameParser(() => 1 << 20);
 * socket.on('data', (chunk) => { for (const f of p.push(chunk)) handle(f); });
 */
export class FrameParser {
  private chunks: Buffer[] = [];
  private total = 0;
  private header: PendingHeader | null = null;

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
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.total += chunk.length;
    }
    for (;;) {
      const h = this.header ?? this.readHeader();
      if (h === null) return;
      this.header = h;
      if (this.total < h.headerLen + h.payloadLen) return;
      const head = this.take(h.headerLen);
      const mask = h.masked ? Buffer.from(head.subarray(h.headerLen - 4, h.headerLen)) : null;
      const payload = this.take(h.payloadLen);
      this.header = null;
      const frame: Frame = { fin: h.fin, rsv: h.rsv, opcode: h.opcode, mask, payload, wireBytes: h.headerLen + h.payloadLen };
      if (!onFrame(frame)) {
        this.chunks = [];
        this.total = 0;
        return;
      }
    }
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
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    for (const c of this.chunks) {
      off += c.copy(out, off, 0, Math.min(c.length, n - off));
      if (off >= n) break;
    }
    return out;
  }

  /** Consume `n` bytes: a view when they sit in one chunk, else one copy. */
  private take(n: number): Buffer {
    this.total -= n;
    const first = this.chunks[0];
    if (n === 0 || first === undefined) return Buffer.alloc(0);
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

/** XOR `data` with a 4-byte key into a new buffer (masking and unmasking are the same). */
export function applyMask(data: Buffer, mask: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  const m0 = mask[0]!;
  const m1 = mask[1]!;
  const m2 = mask[2]!;
  const m3 = mask[3]!;
  const n = data.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    out[i] = data[i]! ^ m0;
    out[i + 1] = data[i + 1]! ^ m1;
    out[i + 2] = data[i + 2]! ^ m2;
    out[i + 3] = data[i + 3]! ^ m3;
  }
  for (; i < n; i++) out[i] = data[i]! ^ mask[i & 3]!;
  return out;
}

/** The payload in the clear. */
export function unmaskPayload(f: Frame): Buffer {
  return f.mask ? applyMask(f.payload, f.mask) : f.payload;
}

/**
 * Encode one frame. With `mask: 'new'` a fresh key is drawn (client-to-server frames
 * the gate writes itself); with a Buffer, `payload` is taken as already masked with
 * it (a frame forwarded as received); with null, the frame goes unmasked.
 *
 * @example
 * socket.write(encodeFrame({ fin: true, opcode: OP.text, payload: Buffer.from('hi'), mask: null }));
 */
export function encodeFrame(f: { fin: boolean; opcode: number; payload: Buffer; mask: Buffer | 'new' | null }): Buffer {
  const len = f.payload.length;
  const ext = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const masked = f.mask !== null;
  const head = Buffer.allocUnsafe(2 + ext + (masked ? 4 : 0));
  head[0] = (f.fin ? 0x80 : 0) | f.opcode;
  head[1] = (masked ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) head.writeUInt16BE(len, 2);
  else if (ext === 8) head.writeBigUInt64BE(BigInt(len), 2);
  let body = f.payload;
  if (f.mask === 'new') {
    const key = randomFillSync(Buffer.allocUnsafe(4));
    key.copy(head, 2 + ext);
    body = applyMask(f.payload, key);
  } else if (f.mask) {
    f.mask.copy(head, 2 + ext);
  }
  return Buffer.concat([head, body], head.length + body.length);
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
