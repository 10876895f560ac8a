import type { IncomingHttpHeaders } from 'node:http';
import type { Finding } from '../inspect/finding.js';
import { createSafeDecompressor, DecompressionBombError, DecompressionError, type SafeDecompressor } from '../inspect/decompress.js';
import type { InjectionScanner } from '../inspect/injection/scanner.js';
import { DRAIN_CHARS, type ResponseScanner } from '../inspect/injection/response-scanner.js';
import { stripSteps } from '../inspect/injection/strip.js';
import type { InjectionFinding } from '../inspect/injection/types.js';
import { sniffedInspection } from './sniffed-inspector.js';
import { ByteQueue } from '../inspect/byte-queue.js';
import { runSteps, ScanBudgetError, ScanPace, SLICE_BYTES, slices } from '../inspect/scan-pace.js';
import { REFUSALS } from '../refusals.js';

/**
 * What the inspect filter (pipeline/response/inspect.ts) needs of a response body's
 * inspector: bytes in, bytes out for the agent, findings for the audit record. `push`
 * and `end` throw ResponseBlockedError when the body must not reach the agent.
 */
export interface BodyInspector {
  readonly findings: Finding[];
  /** The body leaves decoded: the caller drops content-encoding. */
  readonly decodes: boolean;
  /** Bytes to hold before sending the head (0: the head goes at once, for streams). */
  readonly holdBytes: number;
  push(chunk: Buffer): Promise<Buffer[]>;
  end(): Promise<Buffer[]>;
  /**
   * Bytes waiting for more may be released after `holdMs`: the gate calls `flush()`
   * then (inspectors that never hold by time leave both out).
   */
  readonly holdMs?: number;
  /** Bytes held back now (decoded); with `holdMs`, the gate schedules a `flush()` while this is above 0. */
  readonly held?: number;
  flush?(): Promise<Buffer[]>;
  /**
   * A whole body in hand before anything was pushed (its declared length arrived in
   * one chunk): inspected synchronously, with the same checks and refusals as
   * push + end, and the bytes for the agent returned; null when this inspector cannot
   * (then push and end are used as usual). Saves the promise chains of a small response.
   */
  scanWhole?(body: Buffer): Buffer[] | null;
}

/** A response refused by inspection; the gate answers its status if it still can, else cuts. */
export class ResponseBlockedError extends Error {
  constructor(
    readonly error: 'injection_blocked' | 'decompression_bomb' | 'response_unreadable' | 'response_corrupt' | 'a2a_card_changed' | 'inspection_budget_exceeded',
    readonly reason: string,
    readonly findings: Finding[],
  ) {
    super(reason);
    this.name = 'ResponseBlockedError';
  }

  /** From the refusal table: 403 refused by inspection; 502 the upstream sent a corrupt body. */
  get status(): number {
    return REFUSALS[this.error].status;
  }
}

export interface ResponseInspectOptions {
  scanner: InjectionScanner;
  action: 'block' | 'strip' | 'warn';
  holdBytes: number;
  maxDecompressedBytes: number;
  maxRatio: number;
  /** Decoded bytes of a compressed body (a `.gz` download) scanned at most; default 4 MiB. */
  maxScanBytes?: number;
  /** How long scanned bytes of a stream may wait for more before they are released (default DEFAULT_HOLD_MS). */
  holdMs?: number;
  /** The exchange's pacing and CPU budget (shared with its request body's scan). */
  pace?: ScanPace;
}

// Labels that say text. Anything else is sniffed from its bytes (sniffed-inspector.ts).
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-ndjson|x-www-form-urlencoded|yaml|x-yaml|ld\+json)|[a-z]+\/[a-z0-9.+-]*\+(json|xml))/;

/**
 * Decide whether a response body is inspected, and prepare for it: decompression
 * (with bomb limits) when the body is text and encoded, the injection scanner, and
 * how much of the body to hold back before the head is sent.
 */
export function planResponseInspection(method: string, status: number, headers: IncomingHttpHeaders, opts: ResponseInspectOptions): BodyInspector | null {
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) return null;
  const rawType = headers['content-type'] as string | string[] | undefined;
  const type = (Array.isArray(rawType) ? (rawType[0] ?? '') : (rawType ?? '')).toLowerCase();
  // The label does not say what the client will read: a body not labelled as text is
  // sniffed from its bytes, and only real binary formats pass unread (sniffed-inspector.ts).
  if (type === '' || !TEXT_TYPES.test(type)) return sniffedInspection(headers['content-encoding'], opts);
  const encoding = headers['content-encoding'];
  let decompressor: SafeDecompressor | null;
  try {
    decompressor = createSafeDecompressor(encoding, { maxOutputBytes: opts.maxDecompressedBytes, maxRatio: opts.maxRatio });
  } catch (err) {
    // An encoding the gate cannot read cannot be inspected: refuse rather than pass blind.
    return new ResponseInspector(null, null, opts, type, err as Error);
  }
  return new ResponseInspector(decompressor, opts.scanner.responseScanner(type || undefined, 'response.body'), opts, type, null);
}

/**
 * One response's inspection: bytes in from the upstream, bytes out for the agent.
 * `push`, `flush` and `end` throw ResponseBlockedError when the body must not reach
 * the agent.
 *
 * Bytes are released behind the streaming scanner: what leaves has been scanned
 * (`ResponseScanner.flush` forces the scan of what the extractor produced, at most
 * once per FLUSH_BYTES or per `flush()` call), and past the head hold (or for event
 * streams) the raw text about to leave is scanned too, with a bounded context. A
 * trailing TAIL_WINDOW stays back between chunks (a phrase cut by the chunk boundary
 * is seen whole before its first half leaves); `flush()`, called by the gate when
 * bytes have waited `holdMs`, releases it too, so a stream (NDJSON, text/plain) flows
 * line by line instead of waiting for the hold window or the end. Every queue is a
 * ByteQueue and every scan is of new bytes plus a bounded overlap: linear work, in
 * slices with turns for the event loop between them (ScanPace), within the
 * exchange's CPU budget.
 */
export class ResponseInspector implements BodyInspector {
  readonly findings: Finding[] = [];
  /** The body leaves decoded: the caller drops content-encoding and content-length. */
  readonly decodes: boolean;
  /** Bytes to hold before sending anything (0 for event streams: they must flow). */
  readonly holdBytes: number;
  /** How long held bytes may wait for more before `flush()` releases them. */
  readonly holdMs: number;
  private readonly sse: boolean;
  private readonly strip: boolean;
  private stripBuffer: Buffer[] | null;
  private stripBytes = 0;
  /** Decoded bytes scanned (as a stream) but not yet released. */
  private readonly queue = new ByteQueue();
  /** Bytes pushed to the streaming scanner since its last flush. */
  private unflushed = 0;
  /** The end of what the raw pre-release scan last read, as context for the next one. */
  private context = '';
  /** Body bytes released, to know when the hold window is behind us. */
  private passed = 0;
  private readonly pace: ScanPace;

  constructor(
    private readonly decompressor: SafeDecompressor | null,
    private readonly scanner: ResponseScanner | null,
    private readonly opts: ResponseInspectOptions,
    contentType: string,
    private readonly setupError: Error | null,
  ) {
    this.decodes = decompressor !== null;
    this.sse = contentType.startsWith('text/event-stream');
    this.holdBytes = this.sse ? 0 : opts.holdBytes;
    this.strip = opts.action === 'strip' && !this.sse;
    this.stripBuffer = this.strip ? [] : null;
    this.holdMs = this.strip ? 0 : (opts.holdMs ?? DEFAULT_HOLD_MS);
    this.pace = opts.pace ?? new ScanPace();
  }

  /** Decoded bytes held back now (what a `flush()` would consider). */
  get held(): number {
    return this.queue.length;
  }

  async push(chunk: Buffer): Promise<Buffer[]> {
    if (this.setupError) throw unreadable(this.setupError);
    const plain = await this.decode(chunk, false);
    return this.within(async () => {
      await this.scan(plain, false);
      return this.stripBuffer ? this.collectForStrip(plain, false) : this.release(plain, 'push');
    });
  }

  /** Release what has waited long enough: scanned first, tail included (event streams: whole lines). */
  async flush(): Promise<Buffer[]> {
    if (this.setupError || this.stripBuffer || this.queue.length === 0) return [];
    return this.within(() => this.release([], 'flush'));
  }

  async end(): Promise<Buffer[]> {
    if (this.setupError) throw unreadable(this.setupError);
    const plain = await this.decode(null, true);
    return this.within(async () => {
      await this.scan(plain, true);
      return this.stripBuffer ? this.collectForStrip(plain, true) : this.release(plain, 'end');
    });
  }

  private decode(chunk: Buffer | null, last: boolean): Promise<Buffer[]> {
    return decodeBody(this.decompressor, chunk, last, this.findings);
  }

  /**
   * The whole body at once, before anything was pushed, when that is exactly what
   * push + end would do without waiting: no decoding, no strip, not an event stream,
   * and small enough to be one scan slice that is held whole (so released at the end
   * and never pre-scanned). The same scanner calls, findings and refusals.
   */
  scanWhole(body: Buffer): Buffer[] | null {
    if (this.setupError || this.decompressor || this.stripBuffer || this.sse || this.scanner === null) return null;
    if (this.queue.length > 0 || this.passed > 0 || this.unflushed > 0) return null;
    if (body.length > this.holdBytes || body.length > SLICE_BYTES || body.length >= FLUSH_BYTES) return null;
    const scanner = this.scanner;
    try {
      this.settle(this.pace.run(() => scanner.push(body)));
      this.settle(this.pace.run(() => scanner.end()));
    } catch (err) {
      throw this.budgetRefusal(err);
    }
    this.passed = body.length;
    return body.length > 0 ? [body] : [];
  }

  /** Run inspection work; an exhausted budget refuses the response (fail closed). */
  private async within<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw this.budgetRefusal(err);
    }
  }

  /** An exhausted budget as the response's refusal (recorded); any other error as is. */
  private budgetRefusal(err: unknown): unknown {
    if (!(err instanceof ScanBudgetError)) return err;
    const f: Finding = { type: 'inspection_budget_exceeded', location: 'response.body', action: 'block', detail: err.message };
    this.findings.push(f);
    return new ResponseBlockedError('inspection_budget_exceeded', `the response could not be inspected within its budget (${err.message}); refused`, [f]);
  }

  /** Feed the streaming scanner in bounded slices, the event loop getting turns between them. */
  private async scan(parts: Buffer[], last: boolean): Promise<void> {
    const scanner = this.scanner!;
    for (const p of parts) {
      for (const piece of slices(p)) {
        this.settle(this.pace.run(() => scanner.push(piece)));
        this.unflushed += piece.length;
        const turn = this.pace.pace(piece.length);
        if (turn) await turn;
        await this.drainBacklog(scanner);
      }
    }
    if (!last) return;
    this.settle(this.pace.run(() => scanner.closeInput?.() ?? []));
    await this.drainBacklog(scanner);
    this.settle(this.pace.run(() => scanner.end()));
  }

  /** Text an extractor released at once (a whole SSE event, a JSON string): a slice of it per turn. */
  private async drainBacklog(scanner: ResponseScanner): Promise<void> {
    while (scanner.backlog === true) {
      this.settle(this.pace.run(() => scanner.drain?.() ?? []));
      const turn = this.pace.pace(DRAIN_CHARS);
      if (turn) await turn;
    }
  }

  /** Record findings; blocking ones refuse the response (strip collects them instead). */
  private settle(found: InjectionFinding[]): void {
    if (found.length === 0) return;
    for (const f of found) this.findings.push(cleanFinding(f, this.opts.action));
    const blocking = found.filter((f) => f.action === 'block');
    if (blocking.length === 0) return;
    if (this.stripBuffer) {
      this.pendingStrip.push(...blocking);
      return;
    }
    if (this.opts.action !== 'block') return;
    throw new ResponseBlockedError(
      'injection_blocked',
      `the response carries a prompt injection (${[...new Set(blocking.map((f) => f.type))].join(', ')}); refused`,
      blocking.map((f) => cleanFinding(f, 'block')),
    );
  }

  /** Strip works on whole text: collect (up to the hold limit), strip at the end. */
  private async collectForStrip(parts: Buffer[], last: boolean): Promise<Buffer[]> {
    const buf = this.stripBuffer!;
    buf.push(...parts);
    for (const p of parts) this.stripBytes += p.length;
    if (this.stripBytes > this.holdBytes) {
      // Too large to strip as a whole: from here on a finding cuts the response.
      if (this.pendingStrip.length > 0) {
        throw new ResponseBlockedError(
          'injection_blocked',
          'the response carries a prompt injection beyond the part that can be stripped; refused',
          this.findings,
        );
      }
      this.stripBuffer = null;
      return this.release(buf, last ? 'end' : 'push');
    }
    if (!last) return [];
    const text = Buffer.concat(buf).toString('utf8');
    this.stripBuffer = null;
    if (this.pendingStrip.length === 0) return [Buffer.from(text, 'utf8')];
    // Stripped a step at a time, with turns between (a held body may be a few MiB).
    return [Buffer.from(await runSteps(this.pace, stripSteps(text, this.pendingStrip)), 'utf8')];
  }
  private readonly pendingStrip: InjectionFinding[] = [];

  /**
   * An event stream's line may not pass MAX_SSE_LINE (one that never ends would grow the
   * queue without bound): every line of `p` is measured, with the open line before it,
   * so the refusal does not depend on how the bytes were cut into chunks.
   */
  private lineLimit(p: Buffer): void {
    let open = this.queue.length - this.queue.lastLineEnd;
    for (let at = 0; ;) {
      const nl = p.indexOf(0x0a, at);
      if ((nl === -1 ? p.length : nl) - at + open > MAX_SSE_LINE) {
        throw new ResponseBlockedError('response_unreadable', 'the event stream sent a line longer than 1 MiB; refused', [
          { type: 'response_unreadable', location: 'response.body', action: 'block', detail: 'event stream line over 1 MiB' },
        ]);
      }
      if (nl === -1) return;
      open = 0;
      at = nl + 1;
    }
  }

  /**
   * What may be sent now. On a push, once FLUSH_BYTES have come in since the last
   * forced scan, the scanner is flushed and all but the trailing window is released
   * (event streams: complete lines, each as it arrives). A flush releases everything
   * scanned (event streams: up to the last line end). The end releases the rest.
   */
  private async release(parts: Buffer[], mode: 'push' | 'flush' | 'end'): Promise<Buffer[]> {
    for (const p of parts) {
      if (this.sse) this.lineLimit(p);
      this.queue.push(p);
    }
    if (mode !== 'end' && (mode === 'flush' ? this.unflushed > 0 : this.unflushed >= FLUSH_BYTES)) {
      this.settle(this.pace.run(() => this.scanner!.flush()));
      this.unflushed = 0;
    }
    let n: number;
    if (mode === 'end') n = this.queue.length;
    else if (this.sse) n = this.queue.lastLineEnd;
    else if (mode === 'flush') n = this.queue.length;
    else n = this.unflushed === 0 ? this.queue.length - TAIL_WINDOW : 0;
    const out = this.queue.take(n);
    if (out.length === 0) return [];
    this.passed += out[0]!.length;
    // Where bytes leave before the streaming scan has finished with them (event streams,
    // bodies past the hold window, a timed release), the raw text about to leave is
    // scanned too (extractors may still hold part of it), with the end of what was
    // scanned before as context: an injection in it is refused before it leaves.
    if ((this.sse || this.passed > this.holdBytes || mode === 'flush') && this.opts.action === 'block') await this.preScan(out[0]!);
    else if (mode !== 'end') this.remember(out[0]!);
    return out;
  }

  /** The raw pre-release scan: new text plus at most as much context, in paced slices. */
  private async preScan(buf: Buffer): Promise<void> {
    for (const piece of slices(buf)) {
      const text = piece.toString('utf8');
      const ctx = this.context.slice(Math.max(0, this.context.length - Math.min(TAIL_WINDOW, text.length)));
      const found = this.pace.run(() => this.opts.scanner.scanText(ctx + text, 'response.body')).filter((f) => f.action === 'block');
      if (found.length > 0) {
        const clean = found.map((f) => cleanFinding(f, 'block'));
        this.findings.push(...clean);
        throw new ResponseBlockedError(
          'injection_blocked',
          `the response carries a prompt injection (${[...new Set(found.map((f) => f.type))].join(', ')}); refused`,
          clean,
        );
      }
      this.context = text.length >= TAIL_WINDOW ? text.slice(text.length - TAIL_WINDOW) : (this.context + text).slice(-TAIL_WINDOW);
      const turn = this.pace.pace(piece.length);
      if (turn) await turn;
    }
  }

  /** Keep the end of bytes released unscanned by the pre-release scan as its next context. */
  private remember(buf: Buffer): void {
    const text = buf.subarray(Math.max(0, buf.length - TAIL_WINDOW)).toString('utf8');
    this.context = text.length >= TAIL_WINDOW ? text : (this.context + text).slice(-TAIL_WINDOW);
  }
}

/**
 * The next decoded bytes of a response body (as is when it is not compressed). A bomb
 * or an undecodable body throws ResponseBlockedError and records its finding: shared by
 * every response inspector, so each refuses alike.
 *
 * @example
 * const plain = await decodeBody(decompressor, chunk, false, findings);
 */
export async function decodeBody(decompressor: SafeDecompressor | null, chunk: Buffer | null, last: boolean, findings: Finding[]): Promise<Buffer[]> {
  if (!decompressor) return chunk ? [chunk] : [];
  try {
    const out = chunk ? await decompressor.push(chunk) : [];
    return last ? [...out, ...(await decompressor.end())] : out;
  } catch (err) {
    if (err instanceof DecompressionBombError) throw bombRefusal(findings);
    const u = unreadable(err as Error);
    findings.push(...u.findings);
    throw u;
  }
}

/** A response that expands beyond the decompression limits: its finding recorded, and the refusal. */
export function bombRefusal(findings: Finding[]): ResponseBlockedError {
  const f: Finding = { type: 'decompression_bomb', location: 'response.body', action: 'block' };
  findings.push(f);
  return new ResponseBlockedError('decompression_bomb', 'the response expands beyond the decompression limits (a decompression bomb); refused', [f]);
}

const TAIL_WINDOW = 4096;
const MAX_SSE_LINE = 1024 * 1024;
/** Bytes in since the scanner's last forced scan that make a push release (and flush the scanner). */
const FLUSH_BYTES = 16 * 1024;
/** How long a stream's scanned bytes may be held for more (`inspect.response_hold_ms`). */
export const DEFAULT_HOLD_MS = 50;

/**
 * The audit form of an injection finding: never its excerpt (the matched text); the
 * action actually applied under `inspect.injection`. Shared with the WebSocket scanner.
 *
 * @example
 * cleanFinding(found, 'strip') // { type: 'prompt_injection:...', location: 'response.body', action: 'redact' }
 */
export function cleanFinding(f: InjectionFinding, action: 'block' | 'strip' | 'warn'): Finding {
  const applied = f.action === 'block' ? (action === 'strip' ? 'redact' : action) : f.action;
  return { type: f.type, location: f.location, action: applied, ...(f.detail ? { detail: f.detail } : {}) };
}

function unreadable(err: Error): ResponseBlockedError {
  const code = err instanceof DecompressionError ? (err as Error & { code?: string }).code : undefined;
  // A corrupt or truncated encoding (trailing bytes included) is the upstream's failure: 502.
  const corrupt = code === 'decompression_failed';
  return new ResponseBlockedError(
    corrupt ? 'response_corrupt' : 'response_unreadable',
    `the response body cannot be decoded for inspection (${corrupt ? err.message : (code ?? err.message)}); refused`,
    [{ type: 'response_unreadable', location: 'response.body', action: 'block', ...(corrupt ? { detail: 'corrupt content-encoding' } : {}) }],
  );
}
