/**
 * The prompt-injection scan of one long text message, fed its bytes a slice at a time:
 * the streaming scanner an HTTP response gets (as `text/plain`). Its scan windows are
 * filled exactly whatever the slices (inspect/injection/window.ts), so they and their
 * seams fall where a whole-text scan's do and the findings are the same. That scanner
 * reads at most `inspect.max_response_scan_bytes` of a body; a message longer than that
 * is read by a fresh scanner every `cap` bytes, each starting OVERLAP_BYTES back (at
 * most half the cap), so no part of a message goes unread and a phrase cut at the seam
 * is still read whole. Findings are reported once per message (by rule, action and
 * encoding, as one scanner does).
 *
 * @example
 * const scan = new TextInjection(state.injection, 'ws.message', state.inspect.max_response_scan_bytes, payload.length);
 * for (const slice of slices(payload)) scan.push(slice);
 * const found = scan.end();
 */
import type { InjectionScanner } from '../../inspect/injection/scanner.js';
import type { ResponseScanner } from '../../inspect/injection/response-scanner.js';
import type { InjectionFinding } from '../../inspect/injection/types.js';

/** Bytes a fresh scanner re-reads from before its start (the scan window's overlap is 1 Ki characters, at most 4 KiB). */
export const OVERLAP_BYTES = 4096;

export class TextInjection {
  private scanner: ResponseScanner;
  /** Bytes the current scanner has read. */
  private fed = 0;
  /** The last OVERLAP_BYTES bytes read, for the next scanner. */
  private tail: Buffer = Buffer.alloc(0);
  private readonly found: InjectionFinding[] = [];
  private readonly seen = new Set<string>();
  private readonly overlap: number;

  constructor(
    private readonly injection: InjectionScanner,
    private readonly location: string,
    private readonly cap: number,
    total: number,
  ) {
    this.scanner = injection.responseScanner('text/plain', location);
    // A message one scanner reads whole needs no overlap kept.
    this.overlap = total <= cap ? 0 : Math.min(OVERLAP_BYTES, Math.floor(cap / 2));
  }

  /** Every finding of the message (the scan is complete). */
  end(): InjectionFinding[] {
    this.keep(this.scanner.end());
    return this.found;
  }

  /** The next bytes of the message (any length, cut anywhere), to the scanner, a fresh one every `cap` bytes. */
  push(bytes: Buffer): void {
    let rest = bytes;
    while (rest.length > 0) {
      if (this.fed >= this.cap) this.rotate();
      const take = rest.length > this.cap - this.fed ? rest.subarray(0, this.cap - this.fed) : rest;
      this.keep(this.scanner.push(take));
      this.fed += take.length;
      if (this.overlap > 0) this.tail = lastBytes(this.tail, take, this.overlap);
      rest = rest.subarray(take.length);
    }
  }

  /** The current scanner is full: finish it and start the next on the overlap. */
  private rotate(): void {
    this.keep(this.scanner.end());
    this.scanner = this.injection.responseScanner('text/plain', this.location);
    this.fed = 0;
    const overlap = this.tail;
    this.tail = Buffer.alloc(0);
    if (overlap.length > 0) this.push(overlap);
  }

  private keep(found: InjectionFinding[]): void {
    for (const f of found) {
      const key = `${f.rule}|${f.action}|${f.encoding ?? ''}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.found.push(f);
    }
  }
}

/** The last `n` bytes of `before` followed by `more`. */
function lastBytes(before: Buffer, more: Buffer, n: number): Buffer {
  if (more.length >= n) return Buffer.from(more.subarray(more.length - n));
  const keep = Math.min(before.length, n - more.length);
  return Buffer.concat([before.subarray(before.length - keep), more]);
}
