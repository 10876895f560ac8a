/**
 * Inspection for a response whose label does not say it is text (none at all,
 * `application/octet-stream`, `application/x-sh`, `multipart/mixed`, an image type
 * on text, ...): the bytes decide (inspect/sniff.ts). A real binary format passes
 * untouched; text is inspected as `text/plain` would be; a gzip or zlib body (a
 * `.gz` download) is decoded, bounded, and its decoded bytes sniffed in turn: text
 * inside is scanned while the agent still gets the compressed bytes it asked for,
 * each released only once what it decodes to has been scanned.
 *
 * @example
 * const insp = sniffedInspection(headers['content-encoding'], opts);
 * for (const part of await insp.push(chunk)) agent.write(part);
 */
import { constants as zlibConstants, inflateSync } from 'node:zlib';
import { createSafeDecompressor, DecompressionBombError, type SafeDecompressor } from '../inspect/decompress.js';
import type { Finding } from '../inspect/finding.js';
import { SNIFF_BYTES, sniffBody, type Sniffed } from '../inspect/sniff.js';
import { BinaryTextStage } from './binary-text-stage.js';
import { decodeBody, ResponseBlockedError, ResponseInspector, type BodyInspector, type ResponseInspectOptions } from './response-inspector.js';

/** Compressed layers inside a body that are still undone; deeper nesting is no text a client reads. */
const MAX_DEPTH = 3;
/** Compressed bytes held while their decoded head is too short to sniff: past this the body is refused. */
const MAX_UNDECIDED_BYTES = 1024 * 1024;
const DEFAULT_MAX_SCAN_BYTES = 4 * 1024 * 1024;

interface Stage {
  /** Bytes for the next step (the agent, or the compressed stage gating its raw bytes). */
  push(parts: Buffer[]): Promise<Buffer[]>;
  end(): Promise<Buffer[]>;
  /** Decided the body needs no scanning: everything passes as is from now on. */
  readonly passing: boolean;
  readonly decided: boolean;
}

/** The inspector `forward` drives for a body that is not labelled as text. */
export function sniffedInspection(contentEncoding: string | string[] | undefined, opts: ResponseInspectOptions): BodyInspector {
  const encoding = headerValue(contentEncoding);
  let ce: SafeDecompressor | null = null;
  let setupError: Error | null = null;
  try {
    ce = createSafeDecompressor(encoding, { maxOutputBytes: opts.maxDecompressedBytes, maxRatio: opts.maxRatio });
  } catch (err) {
    // An encoding the gate cannot read cannot be inspected: refuse rather than pass blind.
    setupError = err as Error;
  }
  return new SniffedInspector(ce, opts, setupError);
}

/** A header that may repeat, as one value. */
export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

class SniffedInspector implements BodyInspector {
  readonly findings: Finding[] = [];
  readonly decodes: boolean;
  readonly #stage: Stage;

  constructor(
    private readonly ce: SafeDecompressor | null,
    private readonly opts: ResponseInspectOptions,
    private readonly setupError: Error | null,
  ) {
    this.decodes = ce !== null;
    this.#stage = new SniffStage(opts, this.findings, 0, false);
  }

  /** Held like text until the bytes are known; a binary body then flows at once. */
  get holdBytes(): number {
    return this.#stage.passing ? 0 : this.opts.holdBytes;
  }

  async push(chunk: Buffer): Promise<Buffer[]> {
    if (this.setupError) throw unreadable(this.setupError, this.findings);
    return this.#stage.push(await decodeBody(this.ce, chunk, false, this.findings));
  }

  async end(): Promise<Buffer[]> {
    if (this.setupError) throw unreadable(this.setupError, this.findings);
    const out = await this.#stage.push(await decodeBody(this.ce, null, true, this.findings));
    return [...out, ...(await this.#stage.end())];
  }
}

/** Holds the head until it can be sniffed, then hands everything to the stage it chose. */
class SniffStage implements Stage {
  #head: Buffer[] = [];
  #headBytes = 0;
  #next: Stage | null = null;

  constructor(
    private readonly opts: ResponseInspectOptions,
    private readonly findings: Finding[],
    private readonly depth: number,
    /** The agent gets other bytes than these (a compressed body): scan, never rewrite. */
    private readonly scanOnly: boolean,
  ) {}

  get passing(): boolean {
    return this.#next?.passing ?? false;
  }

  get decided(): boolean {
    return this.#next !== null;
  }

  async push(parts: Buffer[]): Promise<Buffer[]> {
    if (this.#next) return this.#next.push(parts);
    for (const p of parts) {
      this.#head.push(p);
      this.#headBytes += p.length;
    }
    if (this.#headBytes < SNIFF_BYTES) return [];
    return this.#decide();
  }

  async end(): Promise<Buffer[]> {
    const out = this.#next ? [] : await this.#decide();
    return [...out, ...(await this.#next!.end())];
  }

  #decide(): Promise<Buffer[]> {
    const head = this.#head.length === 1 ? this.#head[0]! : Buffer.concat(this.#head);
    this.#head = [];
    this.#next = this.#stageFor(sniffBody(head, true));
    return head.length > 0 ? this.#next.push([head]) : Promise.resolve([]);
  }

  #stageFor(s: Sniffed | null): Stage {
    if (s === null || s.kind === 'text') return new TextStage(this.opts, this.findings, this.scanOnly, s?.kind === 'text' ? s.charset : undefined);
    // A known format passes; bytes that only look binary still have their text runs read.
    if (s.kind === 'binary' && s.format === 'unknown') return new BinaryTextStage(this.opts, this.findings);
    if (s.kind === 'binary' || this.depth >= MAX_DEPTH) return PASS;
    return new CompressedStage(this.opts, this.findings, s.encoding, this.depth);
  }
}

const PASS: Stage = {
  push: (parts) => Promise.resolve(parts),
  end: () => Promise.resolve([]),
  passing: true,
  decided: true,
};

/** Text: the ordinary response inspection, as if it had been labelled text/plain. */
export class TextStage implements Stage {
  readonly passing = false;
  readonly decided = true;
  readonly #inner: ResponseInspector;

  constructor(opts: ResponseInspectOptions, private readonly findings: Finding[], scanOnly: boolean, charset: string | undefined) {
    const action = scanOnly && opts.action === 'strip' ? 'block' : opts.action;
    const type = charset ? `text/plain; charset=${charset}` : undefined;
    this.#inner = new ResponseInspector(null, opts.scanner.responseScanner(type, 'response.body'), { ...opts, action }, '', null);
  }

  async push(parts: Buffer[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    try {
      for (const p of parts) out.push(...(await this.#inner.push(p)));
    } finally {
      this.#collect();
    }
    return out;
  }

  async end(): Promise<Buffer[]> {
    try {
      return await this.#inner.end();
    } finally {
      this.#collect();
    }
  }

  #collect(): void {
    this.findings.push(...this.#inner.findings.splice(0));
  }
}

/**
 * A compressed body: decoded (bounded) and its decoded bytes sniffed and scanned,
 * while the compressed bytes are what leaves, each chunk once all it decodes to has
 * passed the scan. Past the scan cap the rest passes as is, with a finding saying so.
 */
class CompressedStage implements Stage {
  #passing = false;
  /** The head only looked compressed: the raw bytes are read as they are. */
  #fallback: Stage | null = null;
  readonly #decoder: SafeDecompressor;
  readonly #child: SniffStage;
  #queue: { buf: Buffer; upTo: number }[] = [];
  #queued = 0;
  #produced = 0;
  #released = 0;

  constructor(
    private readonly opts: ResponseInspectOptions,
    private readonly findings: Finding[],
    private readonly encoding: 'gzip' | 'deflate',
    depth: number,
  ) {
    this.#decoder = createSafeDecompressor(encoding, { maxOutputBytes: opts.maxDecompressedBytes, maxRatio: opts.maxRatio })!;
    this.#child = new SniffStage(opts, findings, depth + 1, true);
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
      this.findings.push({ type: 'prompt_injection:not_scanned', location: 'response.body', action: 'warn', detail: `compressed body decoded past the scan cap of ${cap} bytes; the rest was not scanned` });
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
    if (err instanceof DecompressionBombError) {
      const f: Finding = { type: 'decompression_bomb', location: 'response.body', action: 'block' };
      this.findings.push(f);
      throw new ResponseBlockedError('decompression_bomb', 'the response expands beyond the decompression limits (a decompression bomb); refused', [f]);
    }
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

function bytes(parts: Buffer[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

export function unreadable(err: Error, findings: Finding[]): ResponseBlockedError {
  const code = (err as Error & { code?: unknown }).code;
  const f: Finding = { type: 'response_unreadable', location: 'response.body', action: 'block' };
  findings.push(f);
  return new ResponseBlockedError('response_unreadable', `the response body cannot be decoded for inspection (${typeof code === 'string' ? code : err.message}); refused`, [f]);
}
