/**
 * The two directions of a stdio MCP conversation, each read line by line and fed
 * through the relay in order: the client's stdin to the child's stdin, the child's
 * stdout to the client's stdout. Backpressure holds end to end: a line is read only
 * once the previous one was handed on. When the client closes its side, the child's
 * stdin is closed (the MCP stdio shutdown); the child's side ends when it exits.
 *
 * @example
 * const p = pumpStdio({ relay, maxBytes, clientIn: process.stdin, clientOut: process.stdout, serverIn: child.stdin, serverOut: child.stdout, warn });
 * await p.server; // the child closed its stdout
 */
import type { Readable, Writable } from 'node:stream';
import { LineSplitter, type Line } from './line-splitter.js';
import type { StdioRelay } from './relay.js';

export interface PumpOptions {
  relay: StdioRelay;
  maxBytes: number;
  clientIn: Readable;
  clientOut: Writable;
  /** The child's stdin and stdout. */
  serverIn: Writable;
  serverOut: Readable;
  warn: (text: string) => void;
}

export interface Pumps {
  /** Resolves when the client's side ended (EOF, or destroyed) and the child's stdin was closed. */
  client: Promise<void>;
  /** Resolves when the child's stdout ended. */
  server: Promise<void>;
}

const NEWLINE = Buffer.from('\n');

/**
 * Start both directions. Never rejects: a broken stream ends its direction, with a warning.
 *
 * @example
 * const { client, server } = pumpStdio({ relay, maxBytes, clientIn, clientOut, serverIn: child.stdin, serverOut: child.stdout, warn });
 */
export function pumpStdio(o: PumpOptions): Pumps {
  const client = pump(o.clientIn, o.maxBytes, (l) => o.relay.fromClient(l), 'client', o.warn).finally(() => {
    if (!o.serverIn.destroyed && !o.serverIn.writableEnded) o.serverIn.end();
  });
  const server = pump(o.serverOut, o.maxBytes, (l) => o.relay.fromServer(l), 'server', o.warn);
  return { client, server };
}

/**
 * A writer of lines to `stream` that resolves once the stream takes more (drain), or
 * at once when the stream is gone (a peer that left is not waited for).
 *
 * @example
 * const toChild = lineWriter(child.stdin, 'the server', warn);
 * await toChild(Buffer.from('{"jsonrpc":"2.0","method":"notifications/initialized"}'));
 */
export function lineWriter(stream: Writable, who: string, warn: (text: string) => void): (bytes: Buffer) => Promise<void> {
  let broken = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (!broken) warn(`cannot write to ${who} (${err.code ?? err.message}); its messages are dropped from now on`);
    broken = true;
  });
  return (bytes) =>
    new Promise<void>((resolve) => {
      if (broken || stream.destroyed || stream.writableEnded) return resolve();
      stream.write(bytes);
      if (stream.write(NEWLINE)) return resolve();
      const done = (): void => {
        stream.off('drain', done);
        stream.off('close', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
    });
}

async function pump(input: Readable, maxBytes: number, handle: (line: Line) => Promise<void>, who: string, warn: (text: string) => void): Promise<void> {
  const split = new LineSplitter(maxBytes);
  // One line's failure (the relay refuses what it cannot handle, so this is a bug) must not stop the direction.
  const each = async (line: Line): Promise<void> => {
    try {
      await handle(line);
    } catch (err) {
      warn(`a message from the ${who} was dropped: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      for (const line of split.push(chunk)) await each(line);
    }
    for (const line of split.end()) await each(line);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Destroyed on purpose at shutdown: not worth a warning.
    if (code !== 'ERR_STREAM_PREMATURE_CLOSE' && code !== 'ABORT_ERR')
      warn(`reading from the ${who} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
