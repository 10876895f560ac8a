/**
 * The response body through its inspector (response-inspector.ts, sniffed-inspector.ts):
 * what leaves has been scanned, and a refusal stops the response (a clean deny while the
 * head is still held, a cut after). Inspection is asynchronous: each chunk holds the
 * upstream until its scan is done, and chunks are scanned in order on one queue.
 *
 * Three things keep it cheap and flowing:
 * - a small body whose declared length came in its first chunk is kept as is (no
 *   pause, no promise) and inspected whole at the end (BodyInspector.scanWhole), which
 *   follows in the same parse;
 * - the upstream is held only while HOLD_UPSTREAM_BYTES wait for their scan, not for
 *   every chunk, and the chunks that come while a scan runs go to the inspector
 *   together, in one push;
 * - a stream must flow: bytes the inspector (or the head hold after it) keeps back
 *   wait at most the inspector's `holdMs`, then are released once scanned (`flush`),
 *   the head with them. A whole response that arrives within it is unaffected.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { BodyInspector } from '../../response-inspector.js';
import type { BodyFilter, ResponseFlow } from './chain.js';

/** Where every queue starts: one settled promise shared, so a body inspected whole allocates none. */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * Bytes waiting for their scan past which the upstream is held, and below which it goes
 * on again. Holding it for every chunk cost a copy of the upstream socket's whole buffer
 * a chunk: undici stops its parser mid-read, puts the rest back on the socket and reads
 * it all again on resume, so a read of 256-byte event-stream chunks was copied ~250
 * times (bench:stall's SSE shape: 9-15 ms of copying a run).
 */
export const HOLD_UPSTREAM_BYTES = 64 * 1024;
const RESUME_UPSTREAM_BYTES = 16 * 1024;

export class InspectFilter implements BodyFilter {
  #queue = SETTLED;
  #ended = false;
  /** The declared length of a body that may come whole in its first chunk; -1: not this response. */
  #wholeLength: number;
  #whole: Buffer | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** Bytes pushed and not yet through the inspector. */
  #pending = 0;
  /** The upstream is held by this filter (pending passed HOLD_UPSTREAM_BYTES). */
  #holding = false;
  /** Chunks pushed while the queue was busy, for its next step (one inspector push). */
  #batch: Buffer[] = [];
  #batchBytes = 0;

  constructor(
    private readonly flow: ResponseFlow,
    private readonly insp: BodyInspector,
    private readonly next: BodyFilter,
    /** The upstream's content-length while the head is held (a whole body can only be a held one). */
    contentLength: string | string[] | undefined,
  ) {
    this.#wholeLength = insp.scanWhole && typeof contentLength === 'string' ? Number(contentLength) : -1;
  }

  /** The head the agent gets: inspection may decode, change or strip the body, so its length is known only at the end. */
  static head(insp: BodyInspector, h: OutgoingHttpHeaders): void {
    if (insp.decodes) h['content-encoding'] = undefined;
    h['content-length'] = undefined;
  }

  get waiting(): number {
    return this.next.waiting;
  }

  push(chunk: Buffer): boolean {
    const { flow, insp } = this;
    if (this.#whole === null && chunk.length === this.#wholeLength) {
      this.#wholeLength = -1;
      this.#whole = chunk;
      return true;
    }
    this.#wholeLength = -1;
    if (this.#whole !== null) {
      // More than the declared length: inspected the ordinary way, in order.
      const first = this.#whole;
      this.#whole = null;
      this.#queue = this.#queue.then(async () => {
        if (flow.failed) return;
        for (const part of await insp.push(first)) this.next.push(part);
      });
    }
    // Held on every push past the mark (a drain may have let the upstream go meanwhile).
    this.#pending += chunk.length;
    if (this.#pending >= HOLD_UPSTREAM_BYTES) {
      this.#holding = true;
      flow.pause();
    }
    // Chunks that come while the queue is busy go to the inspector together, as one push:
    // a stream of small chunks (256-byte events) pays for one scan step a batch, not a
    // chain of promises a chunk.
    this.#batch.push(chunk);
    this.#batchBytes += chunk.length;
    if (this.#batch.length > 1) return true;
    this.#queue = this.#queue
      .then(async () => {
        const parts = this.#batch;
        const bytes = this.#batchBytes;
        this.#batch = [];
        this.#batchBytes = 0;
        if (!flow.failed) {
          for (const part of await insp.push(parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes))) this.#emit(part);
          this.#arm();
        }
        return bytes;
      })
      .then(
        (bytes) => {
          this.#pending -= bytes;
          if (this.#holding && this.#pending <= RESUME_UPSTREAM_BYTES) {
            this.#holding = false;
            flow.resume();
          }
        },
        (err: Error) => this.#fail(err),
      );
    return true;
  }

  /** The timed release is this filter's own (its timer); nothing after it waits for one of its own. */
  release(): boolean {
    return this.next.release();
  }

  end(): void {
    const { flow, insp } = this;
    this.#ended = true;
    this.stop();
    if (this.#whole !== null) {
      const body = this.#whole;
      this.#whole = null;
      let parts: Buffer[] | null;
      try {
        parts = insp.scanWhole!(body);
      } catch (err) {
        return this.#fail(err as Error);
      }
      if (parts !== null) {
        for (const part of parts) this.next.push(part);
        flow.ctx.findings.push(...insp.findings);
        return this.next.end();
      }
      // This inspector could not take it whole: pushed, then ended, as usual.
      this.#queue = this.#queue.then(async () => {
        if (flow.failed) return;
        for (const part of await insp.push(body)) this.next.push(part);
      });
    }
    this.#queue = this.#queue
      .then(async () => {
        if (flow.failed) return;
        for (const part of await insp.end()) this.next.push(part);
        flow.ctx.findings.push(...insp.findings);
        this.next.end();
      })
      .catch((err: Error) => this.#fail(err));
  }

  /** No more timed releases (the response ended, failed or was refused). */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #emit(part: Buffer): void {
    if (!this.next.push(part)) this.flow.stall();
  }

  /** Bytes are held back (by the inspector, or the head hold): release them after `holdMs` unless more come. */
  #arm(): void {
    const { flow, insp } = this;
    if (this.#timer || flow.failed || this.#ended || !insp.flush || !insp.holdMs) return;
    if ((insp.held ?? 0) === 0 && this.next.waiting === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#queue = this.#queue
        .then(async () => {
          if (flow.failed || this.#ended) return;
          for (const part of await insp.flush!()) this.#emit(part);
          if (!this.next.release()) flow.stall();
        })
        .catch((err: Error) => this.#fail(err));
    }, insp.holdMs);
    this.#timer.unref();
  }

  #fail(err: Error): void {
    if (this.flow.failed) return;
    this.stop();
    this.flow.ctx.findings.push(...this.insp.findings);
    this.flow.fail(err);
  }
}
