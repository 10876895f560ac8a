/**
 * A chunked request body whose framing outweighs its data is refused. Node's HTTP parser
 * calls into JavaScript once per chunk, synchronously for everything one socket read
 * holds: a body sent as one-byte chunks (`1\r\nx\r\n`, six wire bytes per byte of data)
 * keeps the event loop busy for ~15 ms per 64 KiB read and every other agent waits. No
 * client that means to send data frames it that way, so once 64 KiB of wire bytes have
 * arrived for the body and less than half of them were data, the request is refused
 * (400 `bad_request`, the reason says why) and its connection closed, so the parser
 * stops. Chunk extensions padding the framing are caught the same way.
 *
 * Wire bytes are the socket's `bytesRead` (TLS records included on an intercepted
 * connection: a little more framing, never less). A body of tiny chunks is usually caught
 * earlier, while the parser reads it, by the chunk tripwire (chunk-tripwire.ts); this
 * guard refuses what it tripped, and judges what it could not see (chunk extensions
 * padding the framing).
 *
 * @example
 * for await (const chunk of requestBody(req)) upstream.write(chunk); // throws Rejection
 */
import type { IncomingMessage } from 'node:http';
import { chunkTripped, isChunked } from './chunk-tripwire.js';
import { coalesced } from './coalesce.js';
import { Rejection } from './errors-map.js';

/** Wire bytes of the body seen before the ratio is judged. */
export const FRAMING_WINDOW = 64 * 1024;
/** Refused when data is less than this share of the wire bytes. */
const MIN_DATA_SHARE = 0.5;

export class FramingGuard {
  readonly #req: IncomingMessage;
  readonly #chunked: boolean;
  #last: number;
  #wire = 0;
  #data = 0;

  constructor(req: IncomingMessage) {
    this.#req = req;
    this.#chunked = isChunked(req);
    this.#last = req.socket?.bytesRead ?? 0;
  }

  /** Account for `bytes` of body data just taken; throws once the framing outweighs the data. */
  check(bytes: number): void {
    if (!this.#chunked) return;
    this.end();
    const now = this.#req.socket?.bytesRead ?? this.#last;
    this.#wire += now - this.#last;
    this.#last = now;
    this.#data += bytes;
    if (this.#wire < FRAMING_WINDOW || this.#data >= this.#wire * MIN_DATA_SHARE) return;
    this.#refuse();
  }

  /** Throws once the chunk tripwire has tripped: at each batch, and at the body's end (a body it cut short is never passed on as complete). */
  end(): void {
    if (!this.#chunked) return;
    const tripped = chunkTripped(this.#req);
    if (tripped !== null) throw new Rejection('bad_request', tripped);
  }

  #refuse(): never {
    throw new Rejection(
      'bad_request',
      `the request body's chunked framing outweighs its data (${this.#data} bytes of data in ${this.#wire} on the wire: chunks of a few bytes); refused, as parsing it would keep the gate busy for every agent`,
    );
  }
}

/** The agent's request body in batches (coalesce.ts), refused once its framing outweighs its data. */
export async function* requestBody(req: IncomingMessage): AsyncGenerator<Buffer> {
  const guard = new FramingGuard(req);
  for await (const chunk of coalesced(req)) {
    guard.check(chunk.length);
    yield chunk;
  }
  guard.end();
}

/** Whether the request says it has a body (any Transfer-Encoding, or a Content-Length other than 0). */
export function hasBody(req: IncomingMessage): boolean {
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}
