/**
 * Streaming body scan with a bounded window. Chunks are decoded to a byte string
 * (latin1, one char per byte; JSON escapes resolved for JSON bodies), accumulated to
 * at least MIN_SCAN bytes, and scanned as `tail + new data`, where `tail` is the last
 * OVERLAP bytes already scanned, so a secret split across chunks (even one byte per
 * chunk) is seen whole. Matches ending in the last HOLD bytes of a window are left
 * for the next window (they may continue); each finding is reported once per body.
 * Memory is O(OVERLAP + largest scan slice), whatever the body size.
 *
 * Findings for bytes pushed are complete once `end()` returns; `push()` reports what
 * it could already see. A caller that forwards the body while scanning should hold
 * back the last MIN_SCAN + HOLD bytes until the next push or end.
 *
 * @example
 * const b = scanner.bodyScanner('application/json');
 * const findings = [...b.push(chunk1), ...b.push(chunk2), ...b.end()];
 */
import type { Finding, FindingAction } from '../finding.js';
import { JsonUnescaper } from './json-unescape.js';
import { inflateOffLoop, SNIFF_BYTES, sniffContainer, unpackContainer, unpackSteps, type ContainerKind, type Inflated } from './containers.js';
import { slices, type ScanPace } from '../scan-pace.js';

export interface BodyScanner {
  push(chunk: Buffer): Finding[];
  end(): Finding[];
  /**
   * True while the body is an unlabelled compressed upload (gzip, zlib, zip, git push)
   * that is read whole at `end()`: a caller that forwards while scanning must hold
   * every byte until then (at most the scan limit; past it the scan is incomplete).
   */
  readonly holding?: boolean;
  /**
   * Report every match's span (offsets in the body's decoded text: its bytes, for a
   * text body) to `sink` as the windows are scanned: what redaction needs, without
   * scanning the body again whole.
   */
  spans?(sink: SpanSink): void;
  /** `end()` in paced steps (a container inflated off the event loop, scanned in slices); see StreamingBodyScanner. */
  endPaced?(pace: ScanPace): Finding[] | Promise<Finding[]>;
}

/** `scanner.end()`, paced when the scanner can be: what a caller that paces its work calls (a promise only for a container). */
export function endPaced(scanner: BodyScanner, pace: ScanPace): Finding[] | Promise<Finding[]> {
  return scanner.endPaced ? scanner.endPaced(pace) : pace.run(() => scanner.end());
}

/** Where a finding's match lies: its start and end offsets. */
export type SpanSink = (f: Finding, start: number, end: number) => void;

/**
 * Scan one window; findings deduplicated against `seen`, appended to `out`; every
 * match's span (offsets in the window, duplicates included) to `span` when given.
 */
export type WindowScan = (
  text: string,
  w: { limit: number; firstRunSkip: number; plusAsSpace: boolean; seen: Set<string>; out: Finding[]; span?: SpanSink | undefined },
) => void;

/** The finding for body bytes past the scan limit (never scanned). */
export const SCAN_LIMIT = 'dlp_scan_limit';

export const OVERLAP = 4096;
export const HOLD = 64;
export const MIN_SCAN = 16 * 1024;
export const SLICE = 64 * 1024;
/**
 * Bytes a caller that forwards a stream while scanning it holds back, so that no byte
 * of a secret (up to a few KiB long) leaves before the secret is found: what `push()`
 * may not have scanned yet (under MIN_SCAN), the HOLD at the end of the last window,
 * and one OVERLAP for a match that began before it.
 */
export const FORWARD_HOLD_BACK = MIN_SCAN + HOLD + OVERLAP;

const LINE_BREAK = Buffer.from('\n');

export type BodyKind = 'json' | 'form' | 'text';

export function bodyKind(contentType: string | undefined): BodyKind {
  const t = (contentType ?? '').toLowerCase();
  if (t.includes('json')) return 'json';
  if (t.includes('x-www-form-urlencoded')) return 'form';
  return 'text';
}

/**
 * Where a window of a text or form body is put together (its tail's bytes, then the new
 * ones) and read as one string: one copy into a string, where the chunk's own string
 * joined to the tail was two (the chunk's, then the join flattened), and half the
 * garbage. Shared: a window is built and read within one call.
 */
let windowScratch = Buffer.allocUnsafeSlow(OVERLAP + SLICE);

export class StreamingBodyScanner implements BodyScanner {
  private readonly json: JsonUnescaper | undefined;
  /** What is not scanned yet: decoded text for a JSON body, else the body's bytes (copies: a caller may reuse its chunk). */
  private pending: string[] = [];
  private pendingBytes: Buffer[] = [];
  private pendingLen = 0;
  /** The last OVERLAP chars scanned: as text for a JSON body, else as bytes (the first `tailLen` of `tailBytes`). */
  private tail = '';
  private tailBytes: Buffer | null = null;
  private tailLen = 0;
  /** Absolute offset (in decoded text) of the start of `tail`. */
  private tailAbs = 0;
  /** Absolute start of the base64-alphabet run touching the end of the last window, or -1. */
  private runAbs = -1;
  private scanned = 0;
  private limited = false;
  private readonly seen = new Set<string>();
  /** The body's bytes while it may be (or is) a compressed container; null once it is not. */
  private raw: Buffer[] | null = [];
  private rawLen = 0;
  private container: ContainerKind | undefined;

  private onSpan: SpanSink | null = null;

  spans(sink: SpanSink): void {
    this.onSpan = sink;
  }

  get holding(): boolean {
    return this.container !== undefined && this.raw !== null;
  }

  constructor(
    private readonly scan: WindowScan,
    private readonly kind: BodyKind,
    private readonly maxScanBytes: number,
    private readonly limitAction: FindingAction = 'block',
  ) {
    this.json = kind === 'json' ? new JsonUnescaper() : undefined;
  }

  push(chunk: Buffer): Finding[] {
    const out: Finding[] = [];
    if (chunk.length === 0) return out;
    if (this.scanned + this.pendingLen + chunk.length > this.maxScanBytes) {
      if (!this.limited) {
        this.limited = true;
        this.raw = null; // a container past the limit is not read: this finding says so
        // Unscanned bytes are a finding like any other: it blocks unless set to warn.
        out.push({ type: SCAN_LIMIT, location: 'body', action: this.limitAction, detail: `body beyond ${this.maxScanBytes} bytes was not scanned` });
      }
      return out;
    }
    this.keepRaw(chunk);
    if (this.json !== undefined) this.append(this.json.push(chunk.toString('latin1')));
    else if (this.pendingLen + chunk.length >= MIN_SCAN) {
      // scanned now: read in place
      this.pendingBytes.push(chunk);
      this.pendingLen += chunk.length;
    } else this.appendBytes(Buffer.from(chunk));
    if (this.pendingLen >= MIN_SCAN) this.flush(false, out);
    return out;
  }

  end(): Finding[] {
    const out = this.endText();
    const held = this.takeContainer();
    if (held === null) return out;
    const u = this.unpacking();
    const real = unpackContainer(
      held.kind,
      held.body,
      this.room(held.body),
      (text) => {
        u.piece(text);
        u.endMember();
      },
      u.unread,
    );
    if (real) this.report(held.kind, [...u.found, ...u.inner.end()], out);
    return out;
  }

  /**
   * `end()` for a caller that paces its work (`pace`, the exchange's): the same
   * findings, but a container's members are inflated on the thread pool, one at a
   * time, and their text is scanned a slice at a time, each slice counted against the
   * budget, with turns for the event loop between them. Without a container it is `end()`
   * (no promise).
   */
  endPaced(pace: ScanPace): Finding[] | Promise<Finding[]> {
    const out = pace.run(() => this.endText());
    const held = this.takeContainer();
    return held === null ? out : this.unpackPaced(held.kind, held.body, pace, out);
  }

  private async unpackPaced(kind: ContainerKind, body: Buffer, pace: ScanPace, out: Finding[]): Promise<Finding[]> {
    const u = this.unpacking();
    const walk = unpackSteps(kind, body, this.room(body));
    let answer: Inflated = 'bad';
    for (;;) {
      const r = pace.run(() => walk.next(answer));
      if (r.done) {
        if (r.value) this.report(kind, [...u.found, ...pace.run(() => u.inner.end())], out);
        return out;
      }
      const step = r.value;
      if ('inflate' in step) answer = await inflateOffLoop(step.inflate);
      else if ('unread' in step) u.unread(step.unread);
      else {
        // Pieces of SLICE bytes: the windows fall where one push of the whole member puts them.
        for (const piece of slices(step.text, SLICE)) {
          pace.run(() => u.piece(piece));
          const turn = pace.pace(piece.length);
          if (turn) await turn;
        }
        u.endMember();
      }
    }
  }

  /** The text of the body is complete: scan what is left of it. */
  private endText(): Finding[] {
    const out: Finding[] = [];
    if (this.json !== undefined) this.append(this.json.end());
    this.flush(true, out);
    if (this.raw !== null && this.container === undefined) this.container = sniffContainer(Buffer.concat(this.raw));
    return out;
  }

  /** The container held whole, if the body is one (once: what is held is let go). */
  private takeContainer(): { kind: ContainerKind; body: Buffer } | null {
    const held = this.container !== undefined && this.raw !== null ? { kind: this.container, body: Buffer.concat(this.raw) } : null;
    this.raw = null;
    return held;
  }

  /** Output bytes a container of `body` may inflate to: the scan limit, less what was read. */
  private room(body: Buffer): number {
    return Math.max(0, this.maxScanBytes - body.length);
  }

  /**
   * A scanner for a container's members, as text: `piece` scans a member's next bytes,
   * `endMember` puts the line break between members, `unread` notes what could not be read.
   */
  private unpacking(): { inner: StreamingBodyScanner; found: Finding[]; piece: (b: Buffer) => void; endMember: () => void; unread: (why: string) => void } {
    const inner = new StreamingBodyScanner(this.scan, 'text', this.maxScanBytes, this.limitAction);
    inner.raw = null;
    const found: Finding[] = [];
    return {
      inner,
      found,
      piece: (b) => found.push(...inner.push(b)),
      endMember: () => found.push(...inner.push(LINE_BREAK)),
      unread: (why) => found.push({ type: SCAN_LIMIT, location: 'body', action: this.limitAction, detail: why }),
    };
  }

  /** A container's findings, marked with its kind (a scan-limit finding as it is), each once. */
  private report(kind: ContainerKind, found: Finding[], out: Finding[]): void {
    for (const f of found) {
      const g = f.type === SCAN_LIMIT ? f : { ...f, encoding: f.encoding ? `${kind}+${f.encoding}` : kind };
      const k = `${g.type}|${g.encoding ?? ''}|${g.detail ?? ''}`;
      if (this.seen.has(k)) continue;
      this.seen.add(k);
      out.push(g);
    }
  }

  /** Keep the first bytes until they say what the body is, and all of a container's (to the scan limit). */
  private keepRaw(chunk: Buffer): void {
    if (this.raw === null) return;
    this.raw.push(chunk);
    this.rawLen += chunk.length;
    if (this.container === undefined && this.rawLen >= SNIFF_BYTES) {
      this.container = sniffContainer(Buffer.concat(this.raw).subarray(0, SNIFF_BYTES));
      if (this.container === undefined) this.raw = null;
    }
  }

  private append(s: string): void {
    if (s.length === 0) return;
    this.pending.push(s);
    this.pendingLen += s.length;
  }

  private appendBytes(b: Buffer): void {
    if (b.length === 0) return;
    this.pendingBytes.push(b);
    this.pendingLen += b.length;
  }

  private flush(final: boolean, out: Finding[]): void {
    if (this.json === undefined) {
      this.flushBytes(final, out);
      return;
    }
    const data = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.pendingLen = 0;
    let at = 0;
    do {
      const take = Math.min(SLICE, data.length - at);
      const last = at + take >= data.length;
      if (!final && last && take < MIN_SCAN && at > 0) {
        this.append(data.slice(at)); // keep the remainder for the next push
        return;
      }
      this.window(data.slice(at, at + take), final && last, out);
      at += take;
    } while (at < data.length);
  }

  /** flush() for a body read as bytes: the same windows, at the same places. */
  private flushBytes(final: boolean, out: Finding[]): void {
    const data = this.pendingBytes.length === 1 ? (this.pendingBytes[0] as Buffer) : Buffer.concat(this.pendingBytes, this.pendingLen);
    this.pendingBytes = [];
    this.pendingLen = 0;
    let at = 0;
    do {
      const take = Math.min(SLICE, data.length - at);
      const last = at + take >= data.length;
      if (!final && last && take < MIN_SCAN && at > 0) {
        this.appendBytes(Buffer.from(data.subarray(at))); // kept for the next push (a copy: the chunk may be reused)
        return;
      }
      this.windowBytes(data.subarray(at, at + take), final && last, out);
      at += take;
    } while (at < data.length);
  }

  /** window() for bytes: the tail's bytes and `fresh` read as one string; the new tail kept as bytes. */
  private windowBytes(fresh: Buffer, final: boolean, out: Finding[]): void {
    const len = this.tailLen + fresh.length;
    if (windowScratch.length < len) windowScratch = Buffer.allocUnsafeSlow(len);
    const w = windowScratch;
    if (this.tailBytes !== null) this.tailBytes.copy(w, 0, 0, this.tailLen);
    fresh.copy(w, this.tailLen);
    const text = w.toString('latin1', 0, len);
    // the next tail taken before the scan, which calls out (a span sink) and so may build a window of its own
    const keep = Math.min(OVERLAP, len);
    this.tailBytes ??= Buffer.allocUnsafe(OVERLAP);
    w.copy(this.tailBytes, 0, len - keep, len);
    this.tailLen = keep;
    this.scanWindow(text, fresh.length, final, out);
  }

  private window(fresh: string, final: boolean, out: Finding[]): void {
    const text = this.tail + fresh;
    this.scanWindow(text, fresh.length, final, out);
    this.tail = text.slice(text.length - Math.min(OVERLAP, text.length));
  }

  /** Scan the window `text` (the tail, then `freshLen` new chars), and move on past it. */
  private scanWindow(text: string, freshLen: number, final: boolean, out: Finding[]): void {
    const winAbs = this.tailAbs;
    let skip = 0;
    if (this.runAbs >= 0 && this.runAbs < winAbs) skip = (4 - ((winAbs - this.runAbs) % 4)) % 4;
    const sink = this.onSpan;
    const span: SpanSink | undefined = sink ? (f, s, e) => sink(f, winAbs + s, winAbs + e) : undefined;
    this.scan(text, { limit: final ? Infinity : text.length - HOLD, firstRunSkip: skip, plusAsSpace: this.kind === 'form', seen: this.seen, out, span });
    this.scanned += freshLen;
    // remember where a run reaching the window end began, for the next window's alignment
    let i = text.length;
    while (i > 0 && isRunChar(text.charCodeAt(i - 1))) i--;
    if (i === text.length) this.runAbs = -1;
    else if (!(i === 0 && this.runAbs >= 0 && this.runAbs < winAbs)) this.runAbs = winAbs + i;
    this.tailAbs = winAbs + text.length - Math.min(OVERLAP, text.length);
  }
}

function isRunChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 45 || c === 95;
}
