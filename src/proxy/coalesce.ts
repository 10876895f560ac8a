/**
 * A request body read in batches. Node's HTTP parser hands each chunk of a chunked
 * body to the stream from its own callback, and the stream's async iterator resumes
 * its consumer after every one of them: a body sent as 600,000 one-byte chunks ran
 * the whole pipeline (counting, MCP intake, DLP, placeholders, the upstream write)
 * 600,000 times. Here the consumer waits one turn of the event loop after the stream
 * says it has data, then takes everything buffered at once (up to MAX_BATCH): tiny
 * chunks arrive as one, with a single copy, and a stream that trickles still flows
 * (one turn of delay).
 *
 * @example
 * for await (const chunk of coalesced(req)) upstream.write(chunk);
 */
import type { Readable } from 'node:stream';
import { finished } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Bytes taken in one batch at most. */
export const MAX_BATCH = 64 * 1024;

export async function* coalesced(stream: Readable): AsyncGenerator<Buffer> {
  let wake: (() => void) | null = null;
  // Set from callbacks: an object, so the loop below reads them fresh.
  const end: { failure: Error | null; done: boolean } = { failure: null, done: false };
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  stream.on('readable', poke);
  const cleanup = finished(stream, { writable: false }, (err) => {
    if (err) end.failure = err;
    end.done = true;
    poke();
  });
  try {
    for (;;) {
      const parts: Buffer[] = [];
      let size = 0;
      let c: Buffer | null;
      while (size < MAX_BATCH && (c = stream.read() as Buffer | null) !== null) {
        parts.push(c);
        size += c.length;
      }
      if (size > 0) {
        yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
        continue;
      }
      if (end.failure) throw end.failure;
      if (end.done || stream.readableEnded) return;
      await new Promise<void>((resolve) => (wake = resolve));
      // Let the parser finish delivering what it has read before taking it.
      await nextTurn();
    }
  } finally {
    stream.off('readable', poke);
    cleanup();
  }
}
