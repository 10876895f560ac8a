/**
 * A bounded scan window over a stream of text segments: segments collect until
 * the window holds 32 Ki characters, then the window is scanned and only its
 * last 1 Ki characters are kept as overlap, so a phrase cut by a chunk boundary
 * (or by the window) is read whole next time: the text after the seam continues the
 * overlap's last segment as the stream had it (no separator put in). Memory is the window, whatever
 * the body size. The overlap is raw text, so padding with invisible characters
 * shrinks it; such padding inside words is itself reported (hidden-zero-width).
 *
 * @example
 * const w = new ScanWindow(ctx);
 * const findings = [...w.add([{ text: 'ignore all prev' }]), ...w.add([{ text: 'ious instructions' }]), ...w.finish()];
 */
import { scanSegments } from './scan-segments.js';
import type { ScanContext } from './scan-segments.js';
import type { InjectionFinding, TextSegment } from './types.js';

export const WINDOW_CHARS = 32 * 1024;
export const OVERLAP_CHARS = 1024;

export class ScanWindow {
  private segments: TextSegment[] = [];
  private chars = 0;
  /** Characters at the start of `segments` already scanned: the overlap carried from the last window. */
  private scanned = 0;

  constructor(private readonly ctx: ScanContext) {}

  add(segments: readonly TextSegment[]): InjectionFinding[] {
    for (const seg of segments) {
      if (seg.text === '') continue;
      const last = this.segments[this.segments.length - 1];
      // Merge with the previous segment when it has the same visibility, carried overlap
      // included: the stream had them joined, and a phrase cut at the seam is one phrase.
      if (last !== undefined && last.hidden === seg.hidden) last.text += seg.text;
      else this.segments.push(seg.hidden !== undefined ? { text: seg.text, hidden: seg.hidden } : { text: seg.text });
      this.chars += seg.text.length;
    }
    return this.chars >= WINDOW_CHARS ? this.scan(false) : [];
  }

  /**
   * Scan what has been added since the last scan now, without waiting for a full
   * window (a stream about to release it); the overlap is kept as after any scan.
   * Costs the new text plus the overlap, so callers flush at most once per chunk of
   * a few KiB or per timer tick.
   */
  flush(): InjectionFinding[] {
    return this.chars > this.scanned ? this.scan(false) : [];
  }

  finish(): InjectionFinding[] {
    return this.chars > this.scanned ? this.scan(true) : [];
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
