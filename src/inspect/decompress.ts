/**
 * Safe Content-Encoding decoding for inspection: gzip / x-gzip, deflate (zlib-
 * wrapped or raw, told apart by the first two bytes), br, and stacks of them
 * (`gzip, br` is undone br first, then gzip). Streaming on node:zlib: input is
 * fed in pieces of at most 64 KiB and output counted as each 16 KiB block comes
 * out, so a bomb is stopped after a bounded amount of output, never inflated
 * into memory first.
 *
 * Limits, per layer: total output over `maxOutputBytes` (default 64 MiB), or,
 * once 1 MiB has come out, output over `maxRatio` (default 200) times the input
 * the engine has consumed so far. Bytes after the end of the compressed stream are
 * corrupt input. Either throws `DecompressionBombError` (code `decompression_bomb`).
 * Corrupt or truncated input throws `DecompressionError` (code
 * `decompression_failed`); an encoding this module does not know throws it with
 * code `unsupported_encoding`.
 *
 * The API is asynchronous (`push` and `end` return promises): node:zlib offers
 * no public synchronous *streaming* decoder (the sync functions are one-shot and
 * would need the whole body in memory), and the gate streams bodies anyway.
 *
 * @example
 * const d = createSafeDecompressor(res.headers['content-encoding']);
 * if (d === null) forward(chunk); // identity
 * else for (const out of await d.push(chunk)) scanner.push(out);
 * // at the end: for (const out of await d.end()) scanner.push(out);
 */
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';

export interface SafeDecompressOptions {
  /** Most bytes any layer may produce. Default 64 MiB. */
  maxOutputBytes?: number;
  /** Most output per input byte, checked once 1 MiB has come out. Default 200. */
  maxRatio?: number;
}

export interface SafeDecompressor {
  /** Decode the next piece of the body; resolves with the bytes it produced. */
  push(chunk: Buffer): Promise<Buffer[]>;
  /** The body is complete; resolves with the last bytes, rejects if it was truncated. */
  end(): Promise<Buffer[]>;
}

/** Output passed a size or ratio limit: the body is (or behaves like) a decompression bomb. */
export class DecompressionBombError extends Error {
  readonly code = 'decompression_bomb';
  constructor(
    message: string,
    readonly details: { encoding: string; inputBytes: number; outputBytes: number; limit: 'max_output_bytes' | 'max_ratio' },
  ) {
    super(message);
    this.name = 'DecompressionBombError';
  }
}

/** The body cannot be decoded: corrupt, truncated, or an unknown encoding. */
export class DecompressionError extends Error {
  constructor(
    readonly code: 'decompression_failed' | 'unsupported_encoding',
    message: string,
    readonly encoding: string,
  ) {
    super(message);
    this.name = 'DecompressionError';
  }
}

const RATIO_GRACE = 1024 * 1024;
const PIECE = 64 * 1024;
const MAX_LAYERS = 4;
type Encoding = 'gzip' | 'deflate' | 'br';
const KNOWN: Readonly<Record<string, Encoding>> = { gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate', br: 'br' };

/** A zlib stream header (CMF, FLG): deflate method and a valid check value. */
function isZlibHeader(b0: number, b1: number): boolean {
  return (b0 & 0x0f) === 8 && b0 >> 4 <= 7 && ((b0 << 8) | b1) % 31 === 0;
}

class Layer {
  private stream: Transform | null = null;
  private head: Buffer | null = null;
  private inputBytes = 0;
  private outputBytes = 0;
  private out: Buffer[] = [];
  private failure: Error | null = null;
  private waiter: ((err: Error | null) => void) | null = null;
  /** The compressed stream reached its end marker (zlib then ignores any further input). */
  private streamEnded = false;

  constructor(
    private readonly encoding: Encoding,
    private readonly maxOutput: number,
    private readonly maxRatio: number,
  ) {}

  async push(chunk: Buffer): Promise<Buffer[]> {
    let data = chunk;
    if (this.stream === null) {
      data = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      if (this.encoding === 'deflate' && data.length < 2) {
        this.head = data;
        return [];
      }
      this.head = null;
      this.open(data);
    }
    for (let i = 0; i < data.length; i += PIECE) {
      const piece = data.subarray(i, i + PIECE);
      this.inputBytes += piece.length;
      await this.settle((cb) => this.stream!.write(piece, (err) => cb(err ?? null)));
      this.checkTrailing();
    }
    return this.take();
  }

  async end(): Promise<Buffer[]> {
    if (this.stream === null) {
      if (this.head === null) throw new DecompressionError('decompression_failed', `corrupt ${this.encoding} body: empty`, this.encoding);
      this.open(this.head);
      await this.settle((cb) => this.stream!.write(this.head!, (err) => cb(err ?? null)));
    }
    const s = this.stream!;
    // A stream that already hit its end marker emits 'end' no more: waiting for it
    // would hang the exchange until an idle timeout.
    if (!this.streamEnded) {
      await this.settle((cb) => {
        s.once('end', () => cb(null));
        s.end();
      });
    }
    this.checkTrailing();
    return this.take();
  }

  /**
   * Bytes after the end of the compressed stream: node:zlib stops at the end marker
   * (of the last gzip member) and drops what follows, while a receiver may read it
   * otherwise. The engine's consumed count (`bytesWritten`) falling short of what was
   * written means such bytes: the body is corrupt, refused at once.
   */
  private checkTrailing(): void {
    if (this.failure || this.stream === null) return;
    const consumed = (this.stream as Transform & { bytesWritten: number }).bytesWritten;
    if (consumed < this.inputBytes) {
      this.fail(
        new DecompressionError(
          'decompression_failed',
          `corrupt ${this.encoding} body: ${this.inputBytes - consumed} bytes after the end of the compressed stream`,
          this.encoding,
        ),
      );
    }
  }

  private open(first: Buffer): void {
    const opts = { chunkSize: 16 * 1024 };
    const raw = this.encoding === 'deflate' && !(first.length >= 2 && isZlibHeader(first[0]!, first[1]!));
    const s: Transform =
      this.encoding === 'gzip'
        ? zlib.createGunzip(opts)
        : this.encoding === 'br'
          ? zlib.createBrotliDecompress(opts)
          : raw
            ? zlib.createInflateRaw(opts)
            : zlib.createInflate(opts);
    s.on('data', (b: Buffer) => this.onData(b));
    s.on('end', () => {
      this.streamEnded = true;
    });
    s.on('error', (err: Error) => this.fail(new DecompressionError('decompression_failed', `corrupt ${this.encoding} body: ${err.message}`, this.encoding)));
    this.stream = s;
  }

  private onData(b: Buffer): void {
    if (this.failure) return;
    this.outputBytes += b.length;
    if (this.outputBytes > this.maxOutput) {
      this.fail(this.bomb('max_output_bytes', `${this.encoding} body decodes to more than ${this.maxOutput} bytes`));
      return;
    }
    // The ratio is to the input the engine has consumed, not to what was written to it:
    // a piece written whole would otherwise let one push inflate to the output limit.
    const consumed = Math.max(1, (this.stream as Transform & { bytesWritten: number }).bytesWritten);
    if (this.outputBytes > RATIO_GRACE && this.outputBytes > this.maxRatio * consumed) {
      this.fail(this.bomb('max_ratio', `${this.encoding} body expands more than ${this.maxRatio}x (${this.outputBytes} bytes from ${consumed})`));
      return;
    }
    this.out.push(b);
  }

  private bomb(limit: 'max_output_bytes' | 'max_ratio', message: string): DecompressionBombError {
    return new DecompressionBombError(message, { encoding: this.encoding, inputBytes: this.inputBytes, outputBytes: this.outputBytes, limit });
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.out = [];
    this.stream?.destroy();
    const w = this.waiter;
    this.waiter = null;
    w?.(err);
  }

  /** Run one stream operation and wait for its callback, or for the first failure. */
  private settle(start: (cb: (err: Error | null) => void) => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = (err) => (err ? reject(err) : resolve());
      start((err) => {
        if (this.waiter === null) return;
        this.waiter = null;
        const e = this.failure ?? (err ? new DecompressionError('decompression_failed', `corrupt ${this.encoding} body: ${err.message}`, this.encoding) : null);
        if (e) reject(e);
        else resolve();
      });
    });
  }

  private take(): Buffer[] {
    if (this.failure) throw this.failure;
    const out = this.out;
    this.out = [];
    return out;
  }
}

/**
 * A decoder for a Content-Encoding header value, or null when there is nothing
 * to undo (absent, empty, `identity`). Throws `DecompressionError` with code
 * `unsupported_encoding` for an encoding it cannot decode (zstd, compress, ...)
 * or a stack deeper than four.
 */
export function createSafeDecompressor(contentEncoding: string | undefined, opts: SafeDecompressOptions = {}): SafeDecompressor | null {
  const maxOutput = opts.maxOutputBytes ?? 64 * 1024 * 1024;
  const maxRatio = opts.maxRatio ?? 200;
  // Most bodies: nothing to undo, and nothing to split (this runs for every response).
  if (contentEncoding === undefined || contentEncoding === '' || contentEncoding === 'identity') return null;
  const names = contentEncoding
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'identity');
  if (names.length === 0) return null;
  if (names.length > MAX_LAYERS) {
    throw new DecompressionError('unsupported_encoding', `refusing ${names.length} stacked content-encodings (at most ${MAX_LAYERS})`, names.join(', '));
  }
  const layers = names.reverse().map((name) => {
    const enc = KNOWN[name];
    if (enc === undefined)
      throw new DecompressionError('unsupported_encoding', `unsupported content-encoding "${name}" (supported: gzip, x-gzip, deflate, br)`, name);
    return new Layer(enc, maxOutput, maxRatio);
  });
  const through = async (bufs: Buffer[], from: number, final: boolean): Promise<Buffer[]> => {
    let current = bufs;
    for (let i = from; i < layers.length; i++) {
      const next: Buffer[] = [];
      for (const b of current) next.push(...(await layers[i]!.push(b)));
      if (final) next.push(...(await layers[i]!.end()));
      current = next;
    }
    return current;
  };
  return {
    push: (chunk) => through([chunk], 0, false),
    end: () => through([], 0, true),
  };
}
