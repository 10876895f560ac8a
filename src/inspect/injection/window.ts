/**
 * A bounded scan window over a stream of text segments: segments collect until
 * the window holds WINDOW_CHARS characters, then the window is scanned and only its
 * last 1 Ki characters are kept as overlap, so a phrase cut by a chunk boundary
 * (or by the window) is read whole next time: the text after the seam continues the
 * overlap's last segment as the stream had it (no separator put in). A window is
 * filled exactly, whatever the chunks, so a stream and the same text scanned whole
 * meet the same seams. Memory is the window, whatever the body size. The overlap is
 * raw text, so padding with invisible characters shrinks it; such padding inside
 * words is itself reported (hidden-zero-width).
 *
 * @example
 * const w = new ScanWindow(ctx);
 * const findings = [...w.add([{ text: 'ignore all prev' }]), ...w.add([{ text: 'ious instructions' }]), ...w.finish()];
 */
import { scanSegments } from './scan-segments.js';
import type { ScanContext } from './scan-segments.js';
import type { InjectionFinding, TextSegment } from './types.js';

/**
 * Characters per window, overlap included. A window is scanned in one call, so this
 * bounds the time the event loop is held by one scan (~1 ms on letter-spaced or CJK
 * text on a warm process; a whole 32 Ki window was 6.5 ms, and 30-40 cold); callers
 * that pace their work hand over a slice (16 KiB) at a time. The overlap costs 1/8 more reading.
 */
export const WINDOW_CHARS = 8 * 1024;
export const OVERLAP_CHARS = 1024;

export class ScanWindow {
  private segments: TextSegment[] = [];
  private chars = 0;
  /** Characters at the start of `segments` already scanned: the overlap carried from the last window. */
  private scanned = 0;
  /** Text enqueued, not yet in the window (from segment `head`, character `at`, on), and its length. */
  private backlog: TextSegment[] = [];
  private head = 0;
  private at = 0;
  private pending = 0;

  constructor(private readonly ctx: ScanContext) {}

  /** Text in document order; each window filled is scanned at once (a long segment fills several). */
  add(segments: readonly TextSegment[]): InjectionFinding[] {
    this.enqueue(segments);
    return this.drain(Infinity);
  }

  /** Text in document order, scanned by `drain` (add = enqueue + drain all). */
  enqueue(segments: readonly TextSegment[]): void {
    for (const seg of segments) {
      if (seg.text === '') continue;
      this.backlog.push(seg);
      this.pending += seg.text.length;
    }
  }

  /** Characters enqueued and not yet in a window. */
  get backlogChars(): number {
    return this.pending;
  }

  /**
   * Move at most `maxChars` of the enqueued text into windows, scanning each window as
   * it fills: a caller that paces its work drains a bounded amount per turn.
   */
  drain(maxChars: number): InjectionFinding[] {
    let out: InjectionFinding[] = [];
    let budget = maxChars;
    while (this.head < this.backlog.length && budget > 0) {
      const seg = this.backlog[this.head]!;
      const take = Math.min(seg.text.length - this.at, WINDOW_CHARS - this.chars, budget);
      this.append(this.at === 0 && take === seg.text.length ? seg.text : seg.text.slice(this.at, this.at + take), seg.hidden);
      this.at += take;
      this.pending -= take;
      budget -= take;
      if (this.at === seg.text.length) {
        this.at = 0;
        // An index, not shift(): many small segments would make that quadratic.
        if (++this.head === this.backlog.length) {
          this.backlog = [];
          this.head = 0;
        }
      }
      if (this.chars >= WINDOW_CHARS) out = out.concat(this.scan(false));
    }
    return out;
  }

  /**
   * Scan what has been added since the last scan now, without waiting for a full
   * window (a stream about to release it); the overlap is kept as after any scan.
   * Costs the new text plus the overlap, so callers flush at most once per chunk of
   * a few KiB or per timer tick.
   */
  flush(): InjectionFinding[] {
    const out = this.drain(Infinity);
    return this.chars > this.scanned ? out.concat(this.scan(false)) : out;
  }

  finish(): InjectionFinding[] {
    const out = this.drain(Infinity);
    return this.chars > this.scanned ? out.concat(this.scan(true)) : out;
  }

  private append(text: string, hidden: string | undefined): void {
    const last = this.segments[this.segments.length - 1];
    // Merge with the previous segment when it has the same visibility, carried overlap
    // included: the stream had them joined, and a phrase cut at the seam is one phrase.
    if (last !== undefined && last.hidden === hidden) last.text += text;
    else this.segments.push(hidden !== undefined ? { text, hidden } : { text });
    this.chars += text.length;
  }

  private scan(last: boolean): InjectionFinding[] {
    const findings = scanSegments(this.segments, this.ctx, this.scanned);
    if (last) {
      this.segments = [];
      this.chars = 0;
      this.scanned = 0;
      return findings;
    }
    const kept: TextSegment[] = [];
    let need = OVERLAP_CHARS;
    for (let k = this.segments.length - 1; k >= 0 && need > 0; k--) {
      const seg = this.segments[k]!;
      const text = seg.text.length > need ? seg.text.slice(seg.text.length - need) : seg.text;
      kept.unshift(seg.hidden !== undefined ? { text, hidden: seg.hidden } : { text });
      need -= text.length;
    }
    this.segments = kept;
    this.chars = OVERLAP_CHARS - Math.max(need, 0);
    this.scanned = this.chars;
    return findings;
  }
}
