/**
 * Streaming response-body scanning. Bytes go in as they arrive; text is decoded
 * (charset from the Content-Type), extracted per kind (HTML with hidden text,
 * JSON string values, SSE data, plain text) and scanned in bounded windows.
 * Bodies must already be decoded of any Content-Encoding (see ../decompress.ts).
 *
 * Only the first `maxScanBytes` (default 4 MiB) are read. Beyond that the body is
 * not silently passed: `end()` returns a `prompt_injection:not_scanned` finding
 * saying how many bytes went unread (action `warn` unless `overCapAction` says
 * otherwise), so the caller decides.
 *
 * @example
 * const rs = scanner.responseScanner('text/html; charset=utf-8', 'response.body');
 * const findings = [...rs.push(chunk1), ...rs.push(chunk2), ...rs.end()];
 * if (findings.some((f) => f.action === 'block')) deny();
 */
import { charsetOf, chunkDecoder, contentKind } from './content-kind.js';
import type { ChunkDecoder, ContentKind } from './content-kind.js';
import { HtmlTextExtractor } from './html-extract.js';
import { JsonStringExtractor } from './json-extract.js';
import type { ScanContext } from './scan-segments.js';
import { SseExtractor } from './sse-extract.js';
import { withExcerpt } from './types.js';
import type { InjectionFinding, TextSegment } from './types.js';
import { ScanWindow } from './window.js';

/** Scans one response body as it streams. */
export interface ResponseScanner {
  /** Feed the next chunk; returns findings that became certain with it. */
  push(chunk: Buffer): InjectionFinding[];
  /**
   * Scan everything the extractor has produced so far now (a caller about to release
   * it). What the extractor still holds (a JSON string up to 256 KiB, an event's data
   * before its blank line, half a tag) is scanned when it is complete.
   */
  flush(): InjectionFinding[];
  /** The body is complete; returns the remaining findings. */
  end(): InjectionFinding[];
  /**
   * True while text is waiting to be scanned: `push` scans at most DRAIN_CHARS of
   * extracted text (an extractor may release much more at once: an SSE event, a JSON
   * string), `drain` the next DRAIN_CHARS. A caller that paces its work drains between
   * turns; `flush` and `end` scan whatever is left, so nothing goes unread.
   */
  readonly backlog?: boolean;
  drain?(): InjectionFinding[];
  /**
   * The body is complete: what the extractor still holds (an event's data, a JSON
   * string) joins the backlog, DRAIN_CHARS of it scanned now; a paced caller drains the
   * rest, then calls `end()`, which is then only the last window.
   */
  closeInput?(): InjectionFinding[];
}

/** Extracted characters scanned per `push` or `drain` (a window scan is ~1 ms per 8 Ki). */
export const DRAIN_CHARS = 16 * 1024;

export const DEFAULT_MAX_SCAN_BYTES = 4 * 1024 * 1024;

interface Extractor {
  push(text: string): TextSegment[];
  end(): TextSegment[];
}

class PlainExtractor implements Extractor {
  push(text: string): TextSegment[] {
    return text === '' ? [] : [{ text }];
  }
  end(): TextSegment[] {
    return [];
  }
}

function extractorFor(kind: ContentKind): Extractor {
  switch (kind) {
    case 'html':
      return new HtmlTextExtractor();
    case 'json':
      return new JsonStringExtractor();
    case 'sse':
      return new SseExtractor();
    default:
      return new PlainExtractor();
  }
}

export interface StreamScanOptions {
  maxScanBytes: number;
  overCapAction: 'warn' | 'block';
  /** Drops findings whose rule or category is disabled. */
  keep: (f: InjectionFinding) => boolean;
}

export class StreamingResponseScanner implements ResponseScanner {
  private readonly decoder: ChunkDecoder;
  private extractor: Extractor | null = null;
  private readonly window: ScanWindow;
  private scanned = 0;
  private unscanned = 0;
  private ended = false;
  private inputClosed = false;
  private pending = '';

  constructor(
    private readonly contentType: string | undefined,
    private readonly ctx: ScanContext,
    private readonly opts: StreamScanOptions,
  ) {
    this.decoder = chunkDecoder(charsetOf(contentType));
    this.window = new ScanWindow(ctx);
  }

  push(chunk: Buffer): InjectionFinding[] {
    if (this.ended) throw new Error('ResponseScanner.push after end()');
    const room = this.opts.maxScanBytes - this.scanned;
    if (room <= 0) {
      this.unscanned += chunk.length;
      return [];
    }
    const take = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.unscanned += chunk.length - take.length;
    this.scanned += take.length;
    const text = this.decoder.decode(take, { stream: true });
    return this.feed(text, false);
  }

  get backlog(): boolean {
    return this.window.backlogChars > 0;
  }

  drain(): InjectionFinding[] {
    return this.window.drain(DRAIN_CHARS).filter(this.opts.keep);
  }

  flush(): InjectionFinding[] {
    if (this.ended || this.extractor === null) return [];
    return this.window.flush().filter(this.opts.keep);
  }

  closeInput(): InjectionFinding[] {
    if (this.ended || this.inputClosed) return [];
    this.inputClosed = true;
    return this.feed(this.decoder.decode(), true);
  }

  end(): InjectionFinding[] {
    if (this.ended) return [];
    const out = this.closeInput();
    this.ended = true;
    out.push(...this.window.finish().filter(this.opts.keep));
    if (this.unscanned > 0) {
      const f = withExcerpt(
        {
          type: 'prompt_injection:not_scanned',
          location: this.ctx.location,
          action: this.opts.overCapAction,
          rule: 'not-scanned',
          category: 'not_scanned' as const,
          detail: `body exceeded the scan cap of ${this.opts.maxScanBytes} bytes; ${this.unscanned} bytes after it were not scanned`,
        },
        '',
      );
      if (this.opts.keep(f)) out.push(f);
    }
    return out;
  }

  private feed(text: string, last: boolean): InjectionFinding[] {
    if (this.extractor === null) {
      // Without a Content-Type the first characters decide; wait for a few.
      text = this.pending + text;
      this.pending = '';
      if (!last && this.contentType === undefined && text.trimStart().length < 8) {
        this.pending = text;
        return [];
      }
      const kind = contentKind(this.contentType, text.slice(0, 64));
      if (kind === 'binary') {
        this.extractor = { push: () => [], end: () => [] };
      } else {
        this.extractor = extractorFor(kind);
      }
    }
    this.window.enqueue(text === '' ? [] : this.extractor.push(text));
    if (last) this.window.enqueue(this.extractor.end());
    return this.window.drain(DRAIN_CHARS).filter(this.opts.keep);
  }
}
