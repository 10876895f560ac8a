/**
 * Secrets injected into the request that the upstream reflects back are replaced by a
 * marker before the agent sees them: in the reason phrase, the headers and the body
 * (credentials/reflection-scrubber.ts; a secret split across chunks is caught). One
 * `reflected_secret` finding for the exchange when any was.
 */
import { ReflectionScrubber, scrubHeaders, type ResponseHeaders } from '../../../credentials/reflection-scrubber.js';
import type { RequestContext } from '../../request-context.js';
import type { BodyFilter } from './chain.js';

export class ScrubFilter implements BodyFilter {
  readonly #scrubber: ReflectionScrubber;
  /** Reflections replaced in the reason phrase and headers. */
  #headReplaced = 0;

  constructor(
    private readonly ctx: RequestContext,
    private readonly needles: readonly Buffer[],
    private readonly next: BodyFilter,
  ) {
    this.#scrubber = new ReflectionScrubber(needles);
  }

  /** The upstream's reason phrase, scrubbed. */
  reason(statusMessage: string): string {
    const r = scrubHeaders({ reason: statusMessage }, this.needles);
    this.#headReplaced += r.replaced;
    return r.headers.reason;
  }

  /** The head the agent gets, scrubbed. */
  head(h: ResponseHeaders): ResponseHeaders {
    const scrubbed = scrubHeaders(h, this.needles);
    this.#headReplaced += scrubbed.replaced;
    // Redaction changes the body's length; let it go chunked.
    scrubbed.headers['content-length'] = undefined;
    return scrubbed.headers;
  }

  push(chunk: Buffer): boolean {
    return this.next.push(this.#scrubber.push(chunk));
  }

  // The scrubber's own held bytes are a possible secret in progress: they wait for the
  // bytes that settle it, never for time.
  release(): boolean {
    return this.next.release();
  }

  get waiting(): number {
    return this.next.waiting;
  }

  end(): void {
    this.next.push(this.#scrubber.end());
    if (this.#scrubber.replaced + this.#headReplaced > 0) this.ctx.findings.push({ type: 'reflected_secret', location: 'response', action: 'redact' });
    this.next.end();
  }
}
