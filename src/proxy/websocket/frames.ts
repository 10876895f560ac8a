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
    if (n > 0) yield joinParts(pieces, n);
  }
}

/** `n` bytes given as pieces, as one buffer (a copy when there are several). */
export function joinParts(parts: readonly Buffer[], n: number): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
}

/** A frame's payload as received (still masked when `mask` is set) in one buffer: a copy when it came in pieces, so for short frames. */
export function payloadOf(f: { parts: readonly Buffer[]; length: number }): Buffer {
  return joinParts(f.parts, f.length);
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
