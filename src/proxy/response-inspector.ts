import type { IncomingHttpHeaders } from 'node:http';
import type { Finding } from '../inspect/finding.js';
import { createSafeDecompressor, DecompressionBombError, DecompressionError, type SafeDecompressor } from '../inspect/decompress.js';
import type { InjectionScanner } from '../inspect/injection/scanner.js';
import type { ResponseScanner } from '../inspect/injection/response-scanner.js';
import { stripInjections } from '../inspect/injection/strip.js';
import type { InjectionFinding } from '../inspect/injection/types.js';
import { sniffedInspection } from './sniffed-inspector.js';

/**
 * What `forward` needs of a response body's inspector: bytes in, bytes out for the
 * agent, findings for the audit record. `push` and `end` throw ResponseBlockedError
 * when the body must not reach the agent.
 */
export interface BodyInspector {
  readonly findings: Finding[];
  /** The body leaves decoded: the caller drops content-encoding. */
  readonly decodes: boolean;
  /** Bytes to hold before sending the head (0: the head goes at once, for streams). */
  readonly holdBytes: number;
  push(chunk: Buffer): Promise<Buffer[]>;
  end(): Promise<Buffer[]>;
}

/** A response refused by inspection; the gate answers 403 if it still can, else cuts. */
export class ResponseBlockedError extends Error {
  constructor(
    readonly error: 'injection_blocked' | 'decompression_bomb' | 'response_unreadable' | 'a2a_card_changed',
    readonly reason: string,
    readonly findings: Finding[],
    /** 403: refused by inspection; 502: the upstream sent a body that is corrupt. */
    readonly status: 403 | 502 = 403,
  ) {
    super(reason);
    this.name = 'ResponseBlockedError';
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
}

// Labels that say text. Anything else is sniffed from its bytes (sniffed-inspector.ts).
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-ndjson|x-www-form-urlencoded|yaml|x-yaml|ld\+json)|[a-z]+\/[a-z0-9.+-]*\+(json|xml))/;

/**
 * Decide whether a response body is inspected, and prepare for it: decompression
 * (with bomb limits) when the body is text and encoded, the injection scanner, and
 * how much of the body to hold back before the head is sent.
 */
export function planResponseInspection(
  method: string,
  status: number,
  headers: IncomingHttpHeaders,
  opts: ResponseInspectOptions,
): BodyInspector | null {
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
 * `push` and `end` throw ResponseBlockedError when the body must not reach the agent.
 */
export class ResponseInspector implements BodyInspector {
  readonly findings: Finding[] = [];
  /** The body leaves decoded: the caller drops content-encoding and content-length. */
  readonly decodes: boolean;
  /** Bytes to hold before sending anything (0 for event streams: they must flow). */
  readonly holdBytes: number;
  private readonly sse: boolean;
  private readonly strip: boolean;
  private stripBuffer: Buffer[] | null;
  private stripBytes = 0;
  private tail: Buffer = Buffer.alloc(0);
  /** Body bytes that reached release(), to know when the hold window is behind us. */
  private passed = 0;

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
  }

  async push(chunk: Buffer): Promise<Buffer[]> {
    if (this.setupError) throw unreadable(this.setupError);
    const plain = await this.decode(chunk, false);
    return this.scan(plain, false);
  }

  async end(): Promise<Buffer[]> {
    if (this.setupError) throw unreadable(this.setupError);
    const plain = await this.decode(null, true);
    return this.scan(plain, true);
  }

  private decode(chunk: Buffer | null, last: boolean): Promise<Buffer[]> {
    return decodeBody(this.decompressor, chunk, last, this.findings);
  }

  private scan(parts: Buffer[], last: boolean): Buffer[] {
    const found: InjectionFinding[] = [];
    for (const p of parts) found.push(...this.scanner!.push(p));
    if (last) found.push(...this.scanner!.end());
    for (const f of found) {
      this.findings.push(cleanFinding(f, this.opts.action));
    }
    const blocking = found.filter((f) => f.action === 'block');
    if (blocking.length > 0 && this.opts.action === 'block') {
      throw new ResponseBlockedError(
        'injection_blocked',
        `the response carries a prompt injection (${[...new Set(blocking.map((f) => f.type))].join(', ')}); refused`,
        blocking.map((f) => cleanFinding(f, 'block')),
      );
    }
    if (this.stripBuffer) return this.collectForStrip(parts, last, blocking);
    return this.release(parts, last);
  }

  /** Strip works on whole text: collect (up to the hold limit), strip at the end. */
  private collectForStrip(parts: Buffer[], last: boolean, blocking: InjectionFinding[]): Buffer[] {
    const buf = this.stripBuffer!;
    buf.push(...parts);
    for (const p of parts) this.stripBytes += p.length;
    this.pendingStrip.push(...blocking);
    if (this.stripBytes > this.holdBytes) {
      // Too large to strip as a whole: from here on a finding cuts the response.
      if (this.pendingStrip.length > 0) {
        throw new ResponseBlockedError('injection_blocked', 'the response carries a prompt injection beyond the part that can be stripped; refused', this.findings);
      }
      this.stripBuffer = null;
      return this.release(buf, last);
    }
    if (!last) return [];
    const text = Buffer.concat(buf).toString('utf8');
    this.stripBuffer = null;
    if (this.pendingStrip.length === 0) return [Buffer.from(text, 'utf8')];
    return [Buffer.from(stripInjections(text, this.pendingStrip), 'utf8')];
  }
  private readonly pendingStrip: InjectionFinding[] = [];

  /**
   * What may be sent now. A trailing window stays back so text whose injection is
   * only recognised with the next chunk has not reached the agent yet; event streams
   * release complete lines so events keep flowing.
   */
  private release(parts: Buffer[], last: boolean): Buffer[] {
    const all = this.tail.length ? [this.tail, ...parts] : parts;
    const joined = all.length === 1 ? all[0]! : Buffer.concat(all);
    this.passed += joined.length - this.tail.length;
    // Where bytes leave before the streaming scan has finished with them (event streams,
    // and bodies past the hold window), scan what is about to leave, with the held tail,
    // as a whole first: an injection in it is refused before it reaches the agent.
    if ((this.sse || this.passed > this.holdBytes) && this.opts.action === 'block' && joined.length > 0) {
      const found = this.opts.scanner.scanText(joined.toString('utf8'), 'response.body').filter((f) => f.action === 'block');
      if (found.length > 0) {
        const clean = found.map((f) => cleanFinding(f, 'block'));
        this.findings.push(...clean);
        throw new ResponseBlockedError('injection_blocked', `the response carries a prompt injection (${[...new Set(found.map((f) => f.type))].join(', ')}); refused`, clean);
      }
    }
    if (last) {
      this.tail = Buffer.alloc(0);
      return joined.length ? [joined] : [];
    }
    let keep: number;
    if (this.sse) {
      const nl = joined.lastIndexOf(0x0a);
      keep = nl === -1 ? joined.length : joined.length - nl - 1;
      // A stream that never ends a line would grow this without bound: refuse it.
      if (keep > MAX_SSE_LINE) {
        throw new ResponseBlockedError('response_unreadable', 'the event stream sent a line longer than 1 MiB; refused', [
          { type: 'response_unreadable', location: 'response.body', action: 'block', detail: 'event stream line over 1 MiB' },
        ]);
      }
    } else {
      keep = Math.min(joined.length, TAIL_WINDOW);
    }
    this.tail = Buffer.from(joined.subarray(joined.length - keep));
    const out = joined.subarray(0, joined.length - keep);
    return out.length ? [out] : [];
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
    if (err instanceof DecompressionBombError) {
      const f: Finding = { type: 'decompression_bomb', location: 'response.body', action: 'block' };
      findings.push(f);
      throw new ResponseBlockedError('decompression_bomb', 'the response expands beyond the decompression limits (a decompression bomb); refused', [f]);
    }
    const u = unreadable(err as Error);
    findings.push(...u.findings);
    throw u;
  }
}

const TAIL_WINDOW = 4096;
const MAX_SSE_LINE = 1024 * 1024;

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
  return new ResponseBlockedError('response_unreadable', `the response body cannot be decoded for inspection (${corrupt ? err.message : (code ?? err.message)}); refused`, [
    { type: 'response_unreadable', location: 'response.body', action: 'block', ...(corrupt ? { detail: 'corrupt content-encoding' } : {}) },
  ], corrupt ? 502 : 403);
}
