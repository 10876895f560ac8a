/**
 * Inspection for a response whose label does not say it is text (none at all,
 * `application/octet-stream`, `application/x-sh`, `multipart/mixed`, an image type
 * on text, ...): the bytes decide (inspect/sniff.ts). A real binary format passes
 * untouched (archives after a read of their text runs); text is inspected as
 * `text/plain` would be; a gzip or zlib body (a `.gz` download) is decoded, bounded,
 * and its decoded bytes sniffed in turn: text inside is scanned while the agent still
 * gets the compressed bytes it asked for, each released only once what it decodes to
 * has been scanned.
 *
 * @example
 * const insp = sniffedInspection(headers['content-encoding'], opts);
 * for (const part of await insp.push(chunk)) agent.write(part);
 */
import { createSafeDecompressor, type SafeDecompressor } from '../inspect/decompress.js';
import type { Finding } from '../inspect/finding.js';
import { SNIFF_BYTES, sniffBody, type Sniffed } from '../inspect/sniff.js';
import { BinaryTextStage } from './binary-text-stage.js';
import { headerValue, PASS, TextStage, unreadable, type Stage } from './body-stages.js';
import { CompressedStage } from './compressed-stage.js';
import { decodeBody, type BodyInspector, type ResponseInspectOptions } from './response-inspector.js';

/** Binary formats that hold files as they are (a zip's stored entries, a tar's members): their text runs are read. */
const ARCHIVES: ReadonlySet<string> = new Set(['zip', 'tar']);

/** Compressed layers inside a body that are still undone; deeper nesting is no text a client reads. */
const MAX_DEPTH = 3;

/** The inspector the inspect filter (pipeline/response/inspect.ts) drives for a body that is not labelled as text. */
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

class SniffedInspector implements BodyInspector {
  readonly findings: Finding[] = [];
  readonly decodes: boolean;
  readonly #stage: SniffStage;

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
    // Once the body is known to be text, text inspection's own hold rule applies.
    return this.#stage.passing ? 0 : (this.#stage.holdBytes ?? this.opts.holdBytes);
  }

  /** Held bytes wait at most this long for more (a mislabelled text stream flows like a labelled one). */
  get holdMs(): number | undefined {
    return this.opts.action === 'strip' ? undefined : this.opts.holdMs;
  }

  get held(): number {
    return this.#stage.held ?? 0;
  }

  async push(chunk: Buffer): Promise<Buffer[]> {
    if (this.setupError) throw unreadable(this.setupError, this.findings);
    return this.#stage.push(await decodeBody(this.ce, chunk, false, this.findings));
  }

  async flush(): Promise<Buffer[]> {
    if (this.setupError) throw unreadable(this.setupError, this.findings);
    return this.#stage.flush ? this.#stage.flush() : [];
  }

  scanWhole(body: Buffer): Buffer[] | null {
    if (this.setupError || this.ce) return null;
    return this.#stage.scanWhole(body);
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

  get holdBytes(): number | undefined {
    return this.#next?.holdBytes;
  }

  get decided(): boolean {
    return this.#next !== null;
  }

  /** Bytes not yet released: the undecided head, or what the chosen stage holds. */
  get held(): number {
    return this.#next ? (this.#next.held ?? 0) : this.#headBytes;
  }

  /**
   * Bytes have waited: decide on the head in hand (a short first line of a stream is
   * all there is to sniff), then let the chosen stage release what it has scanned.
   */
  async flush(): Promise<Buffer[]> {
    const out = this.#next ? [] : await this.#decide();
    return this.#next?.flush ? [...out, ...(await this.#next.flush())] : out;
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

  /** A whole body before any push: sniffed as push + end would, then its stage inspects it at once if it can. */
  scanWhole(body: Buffer): Buffer[] | null {
    if (this.#next || this.#headBytes > 0 || body.length === 0) return null;
    this.#next = this.#stageFor(sniffBody(body, true));
    // A stage that cannot (compressed, binary with text runs) gets the body through push and end.
    return this.#next.scanWhole ? this.#next.scanWhole(body) : null;
  }

  #decide(): Promise<Buffer[]> {
    const head = this.#head.length === 1 ? this.#head[0]! : Buffer.concat(this.#head);
    this.#head = [];
    this.#headBytes = 0;
    this.#next = this.#stageFor(sniffBody(head, true));
    return head.length > 0 ? this.#next.push([head]) : Promise.resolve([]);
  }

  #stageFor(s: Sniffed | null): Stage {
    if (s === null || s.kind === 'text') {
      const text = s?.kind === 'text' ? s : null;
      return new TextStage(this.opts, this.findings, this.scanOnly, text?.charset, text?.multipart === true);
    }
    // A known format passes; bytes that only look binary, and archives (whose stored
    // files are text in clear, and whose four magic bytes anyone can put in front of
    // text), still have their text runs read.
    if (s.kind === 'binary' && (s.format === 'unknown' || ARCHIVES.has(s.format))) return new BinaryTextStage(this.opts, this.findings);
    if (s.kind === 'binary' || this.depth >= MAX_DEPTH) return PASS;
    return new CompressedStage(this.opts, this.findings, s.encoding, new SniffStage(this.opts, this.findings, this.depth + 1, true));
  }
}
