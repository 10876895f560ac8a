/**
 * A gzip or zlib body inside a response (a `.gz` download): decoded within the
 * decompression limits while the compressed bytes are what the agent gets.
 */
import { constants as zlibConstants, inflateSync } from 'node:zlib';
import { createSafeDecompressor, DecompressionBombError, type SafeDecompressor } from '../inspect/decompress.js';
import type { Finding } from '../inspect/finding.js';
import { bytes, TextStage, unreadable, type Stage } from './body-stages.js';
import { bombRefusal, type ResponseInspectOptions } from './response-inspector.js';

/** Compressed bytes held while their decoded head is too short to sniff: past this the body is refused. */
const MAX_UNDECIDED_BYTES = 1024 * 1024;
const DEFAULT_MAX_SCAN_BYTES = 4 * 1024 * 1024;

/**
 * A compressed body: decoded (bounded) and its decoded bytes sniffed and scanned,
 * while the compressed bytes are what leaves, each chunk once all it decodes to has
 * passed the scan. Past the scan cap the rest passes as is, with a finding saying so.
 */
export class CompressedStage implements Stage {
  #passing = false;
  /** The head only looked compressed: the raw bytes are read as they are. */
  #fallback: Stage | null = null;
  readonly #decoder: SafeDecompressor;
  readonly #child: Stage;
  #queue: { buf: Buffer; upTo: number }[] = [];
  #queued = 0;
  #produced = 0;
  #released = 0;

  constructor(
    private readonly opts: ResponseInspectOptions,
    private readonly findings: Finding[],
    private readonly encoding: 'gzip' | 'deflate',
    /** Reads the decoded bytes (a sniffing stage of its own, scan only). */
    child: Stage,
  ) {
    this.#decoder = createSafeDecompressor(encoding, { maxOutputBytes: opts.maxDecompressedBytes, maxRatio: opts.maxRatio })!;
    this.#child = child;
  }

  get passing(): boolean {
    return this.#passing || (this.#fallback?.passing ?? false);
  }

  readonly decided = true;

  async push(parts: Buffer[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (const p of parts) {
      if (this.#passing) out.push(p);
      else if (this.#fallback) out.push(...(await this.#fallback.push([p])));
      else out.push(...(await this.#one(p)));
    }
    return out;
  }

  async end(): Promise<Buffer[]> {
    if (this.#passing) return [];
    if (this.#fallback) return this.#fallback.end();
    let decoded: Buffer[];
    try {
      decoded = await this.#decoder.end();
    } catch (err) {
      return this.#broken(err, true);
    }
    await this.#child.push(decoded);
    await this.#child.end();
    return this.#flush();
  }

  async #one(raw: Buffer): Promise<Buffer[]> {
    let decoded: Buffer[];
    try {
      decoded = await this.#decoder.push(raw);
    } catch (err) {
      this.#hold(raw);
      return this.#broken(err, false);
    }
    this.#produced += bytes(decoded);
    this.#hold(raw);
    this.#released += bytes(await this.#child.push(decoded));
    if (this.#child.passing) return this.#flush();
    const cap = this.opts.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES;
    if (this.#produced >= cap) {
      // Scanned as far as any body is: end the scan there and let the rest through, said so.
      await this.#child.end();
      this.findings.push({
        type: 'prompt_injection:not_scanned',
        location: 'response.body',
        action: 'warn',
        detail: `compressed body decoded past the scan cap of ${cap} bytes; the rest was not scanned`,
      });
      return this.#flush();
    }
    if (!this.#child.decided && this.#queued > MAX_UNDECIDED_BYTES) {
      throw unreadable(new Error('compressed body decodes to too little to read'), this.findings);
    }
    const ready: Buffer[] = [];
    while (this.#queue.length > 0 && this.#queue[0]!.upTo <= this.#released) {
      const q = this.#queue.shift()!;
      this.#queued -= q.buf.length;
      ready.push(q.buf);
    }
    return ready;
  }

  #hold(raw: Buffer): void {
    this.#queue.push({ buf: raw, upTo: this.#produced });
    this.#queued += raw.length;
  }

  #flush(): Buffer[] {
    this.#passing = true;
    const all = this.#queue.map((q) => q.buf);
    this.#queue = [];
    this.#queued = 0;
    return all;
  }

  /** Not the compressed stream it looked like: read as is if nothing was decided yet, else refuse. */
  async #broken(err: unknown, last: boolean): Promise<Buffer[]> {
    if (err instanceof DecompressionBombError) throw bombRefusal(this.findings);
    // Compressed data the decoder refused (corrupt, or bytes after the stream) is refused
    // too: what it holds may be what a lenient reader (gunzip) shows. Only a body that
    // merely began like a zlib header (text starting "x^") is read as the text it is.
    if (this.#child.decided || this.encoding === 'gzip' || inflates(this.#queue.map((q) => q.buf))) throw unreadable(err as Error, this.findings);
    const raw = this.#flush();
    this.#passing = false;
    this.#fallback = new TextStage(this.opts, this.findings, true, undefined);
    const out = await this.#fallback.push(raw);
    return last ? [...out, ...(await this.#fallback.end())] : out;
  }
}

/** Whether these bytes hold a zlib stream, whatever follows it (one-shot, bounded). */
function inflates(parts: Buffer[]): boolean {
  try {
    return inflateSync(Buffer.concat(parts), { maxOutputLength: 64 * 1024, finishFlush: zlibConstants.Z_SYNC_FLUSH }).length > 0;
  } catch (err) {
    return (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
  }
}
