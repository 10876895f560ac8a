/**
 * The chunk tripwire: a chunked request body made of tiny chunks is caught while Node's
 * HTTP parser is still reading it, not after. The parser calls into JavaScript once per
 * chunk, synchronously for everything one socket read holds (64 KiB: ~11,000 one-byte
 * chunks), and each call pushes a one-byte Buffer through the request stream: a few
 * microseconds a chunk, tens of milliseconds a read in which no other agent is served.
 * The framing guard (framing-guard.ts) can only judge the body once its consumer takes
 * a batch, a read or more later.
 *
 * Here the parser's body callback is wrapped, once per parser (parsers are pooled and
 * reused by later connections, and by Node's HTTP client: the wrapper keeps no
 * connection's state and counts only requests the gate's listener registered with
 * `countChunks`, finding the one being read on the parser itself). It counts each
 * registered chunked request's chunks and data bytes; every chunk costs at least five bytes of framing (`1\r\n` and
 * `\r\n`), so `data + 5 x chunks` is a floor for the body's wire bytes. Once that floor
 * reaches TRIP_WIRE_BYTES and less than half of it is data, the request is tripped: the
 * socket stops reading, and the parser's body callback is taken away until the next
 * request on the connection (or the connection's close) puts it back, so the rest of
 * what the parser holds is parsed without a call into JavaScript and without being
 * pushed (Node skips a body callback that is not a function). The framing guard then
 * refuses the request with 400 `bad_request`, at its next batch or at the body's end:
 * nothing of it is forwarded.
 *
 * @example
 * server.on('connection', (socket) => watchChunkFraming(socket));
 * server.on('request', (req) => countChunks(req));
 * if (chunkTripped(req)) throw new Rejection('bad_request', chunkTripped(req)!);
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** The floor of a body's wire bytes at which the data share is judged. */
export const TRIP_WIRE_BYTES = 8 * 1024;
/** Framing bytes every chunk has at least: its size line's digit and CRLF, and the CRLF after its data. */
const MIN_FRAMING_PER_CHUNK = 5;

interface Count {
  chunks: number;
  data: number;
  /** Why the request was tripped, once it is. */
  tripped: string | null;
}

/** The part of Node's (undocumented) HTTP parser object this reads. */
interface ParserLike {
  incoming?: IncomingMessage | null;
  socket?: Socket | null;
  [slot: number]: unknown;
}

type OnBody = (this: ParserLike, chunk: Buffer) => unknown;

const counts = new WeakMap<IncomingMessage, Count>();
const WRAPPED = Symbol('sluice.chunkTripwire');
/** Parsers whose body callback a trip took away, with the callback to put back. */
const silenced = new WeakMap<ParserLike, { slot: number; onBody: OnBody }>();

function unsilence(parser: ParserLike | null | undefined): void {
  const s = parser ? silenced.get(parser) : undefined;
  if (s === undefined) return;
  silenced.delete(parser!);
  parser![s.slot] = s.onBody;
}

/** Why `req` was refused by the tripwire, or null. */
export function chunkTripped(req: IncomingMessage): string | null {
  return counts.get(req)?.tripped ?? null;
}

/**
 * Wrap the body callback of the parser reading `socket` (a no-op when the parser is
 * already wrapped, or when this Node has no such parser: then the framing guard alone
 * judges, a read later).
 */
export function watchChunkFraming(socket: Socket): void {
  const parser = (socket as Socket & { parser?: ParserLike | null }).parser;
  const slot = (parser?.constructor as { kOnBody?: unknown } | undefined)?.kOnBody;
  if (!parser || typeof slot !== 'number') return;
  const original = parser[slot] as (OnBody & { [WRAPPED]?: true }) | undefined;
  if (typeof original !== 'function' || original[WRAPPED]) return;
  const wrapped = function (this: ParserLike, chunk: Buffer): unknown {
    const req = this.incoming;
    const c = req ? counts.get(req) : undefined;
    if (c !== undefined) {
      if (c.tripped !== null) return undefined;
      c.chunks++;
      c.data += chunk.length;
      const floor = c.data + MIN_FRAMING_PER_CHUNK * c.chunks;
      if (floor >= TRIP_WIRE_BYTES && c.data * 2 < floor) {
        c.tripped = `the request body's chunked framing outweighs its data (${c.data} bytes of data in ${c.chunks} chunks, at least ${floor} bytes on the wire); refused, as parsing it would keep the gate busy for every agent`;
        // Read no more of it, and parse the rest of this read without a call a chunk.
        const socket = this.socket;
        socket?.pause();
        silenced.set(this, { slot, onBody: wrapped });
        this[slot] = null;
        // Parsers are pooled: the callback is back before this one serves another connection.
        socket?.once('close', () => unsilence(this));
        return undefined;
      }
    }
    return original.call(this, chunk);
  } as OnBody & { [WRAPPED]?: true };
  wrapped[WRAPPED] = true;
  parser[slot] = wrapped;
}

/** Count the chunks of `req`'s body, when it is chunked (the gate's listener, as each request arrives). */
export function countChunks(req: IncomingMessage): void {
  // A request after a tripped one on the same connection (pipelined) has its body read again.
  unsilence((req.socket as (Socket & { parser?: ParserLike | null }) | null)?.parser);
  if (isChunked(req)) counts.set(req, { chunks: 0, data: 0, tripped: null });
}

/** Whether `req`'s body is chunked (a Transfer-Encoding that names chunked). */
export function isChunked(req: IncomingMessage): boolean {
  return /chunked/i.test(req.headers['transfer-encoding'] ?? '');
}
