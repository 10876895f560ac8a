/**
 * The prompt-injection scan of one long text message, fed its bytes a slice at a time:
 * the streaming scanner an HTTP response gets (as `text/plain`), handed the text in the
 * steps `InjectionScanner.scanText` takes (16 Ki UTF-16 code units), so its windows,
 * their seams and their overlap fall where a whole-text scan's do and the findings are
 * the same. That scanner reads at most `inspect.max_response_scan_bytes`
 * of a body; a message longer than that is read by a fresh scanner every `cap` bytes,
 * each starting OVERLAP_BYTES back (at most half the cap), so no part of a message goes unread and a phrase
 * cut at the seam is still read whole. Findings are reported once per message (by rule,
 * action and encoding, as one scanner does).
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
/** UTF-16 code units `InjectionScanner.scanText` adds to its scan window at a time. */
const STEP_UNITS = 16 * 1024;

export class TextInjection {
  private scanner: ResponseScanner;
  /** Bytes the current scanner has read. */
  private fed = 0;
  /** The last OVERLAP_BYTES bytes read, for the next scanner. */
  private tail: Buffer = Buffer.alloc(0);
  private readonly found: InjectionFinding[] = [];
  private readonly seen = new Set<string>();
  private readonly overlap: number;
  /** UTF-16 code units of the text so far (a leading byte order mark, which the decoder drops, not counted). */
  private units = 0;
  /** Where the next step ends, in code units. */
  private nextCut = STEP_UNITS;
  /** Bytes of the current step not yet handed on. */
  private step: Buffer[] = [];
  /** Bytes seen, and whether the text begins with a byte order mark (null: not known yet). */
  private offset = 0;
  private bom: boolean | null = null;

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

  /** The next bytes of the message (any length, cut anywhere). */
  push(bytes: Buffer): void {
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      const at = this.offset + i;
      if (at < 3 && this.bom !== false) {
        if (at === 0) this.bom = b === 0xef;
        else if (b !== (at === 1 ? 0xbb : 0xbf)) this.bom = false;
        else if (at === 2) this.units--; // it was a byte order mark: no code unit
      }
      if ((b & 0xc0) === 0x80) continue; // a continuation byte
      if (this.units >= this.nextCut) {
        // A character begins at or past the step's end: the step is complete.
        this.step.push(bytes.subarray(start, i));
        this.feed(this.step.length === 1 ? this.step[0]! : Buffer.concat(this.step));
        this.step = [];
        start = i;
        this.nextCut += STEP_UNITS;
      }
      this.units += b >= 0xf0 ? 2 : 1;
    }
    this.offset += bytes.length;
    if (start < bytes.length) this.step.push(bytes.subarray(start));
  }

  /** Every finding of the message (the scan is complete). */
  end(): InjectionFinding[] {
    if (this.step.length > 0) this.feed(Buffer.concat(this.step));
    this.step = [];
    this.keep(this.scanner.end());
    return this.found;
  }

  /** One step of text to the scanner, a fresh one every `cap` bytes. */
  private feed(bytes: Buffer): void {
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
    if (overlap.length > 0) this.feed(overlap);
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
