/**
 * The last filter of a response body: its bytes to the agent. An inspected response's
 * head is held back, with the first bytes, until `holdBytes` of them have come through
 * (scanned, scrubbed), so a refusal in them can still be a clean 403 rather than a cut;
 * a body that ends within the hold leaves in one write, with its real length. Without a
 * hold (a response not inspected, an event stream) bytes go straight to the agent.
 */
import type { ServerResponse } from 'node:http';
import type { BodyInspector } from '../../response-inspector.js';
import type { BodyFilter, ResponseFlow } from './chain.js';

export class HoldFilter implements BodyFilter {
  readonly #res: ServerResponse;
  /** The inspector whose `holdBytes` (it may change as the body is sniffed) the hold waits for; null: no hold. */
  readonly #inspector: BodyInspector | null;
  /** Bytes held with the head; null once the head went (or never held). */
  #held: Buffer[] | null;
  #heldBytes = 0;

  constructor(
    private readonly flow: ResponseFlow,
    inspector: BodyInspector | null,
  ) {
    this.#res = flow.res;
    const holds = inspector !== null && inspector.holdBytes > 0;
    this.#inspector = holds ? inspector : null;
    this.#held = holds ? [] : null;
  }

  /** The head waits for the first bytes (it is not sent with the response's start). */
  get holding(): boolean {
    return this.#held !== null;
  }

  get waiting(): number {
    return this.#heldBytes;
  }

  push(chunk: Buffer): boolean {
    if (chunk.length === 0) return true;
    const held = this.#held;
    if (held === null) return this.#res.write(chunk);
    held.push(chunk);
    this.#heldBytes += chunk.length;
    if (this.#heldBytes < this.#inspector!.holdBytes) return true;
    return this.#release();
  }

  release(): boolean {
    return this.#heldBytes > 0 ? this.#release() : true;
  }

  end(): void {
    const res = this.#res;
    const held = this.#held;
    if (held && !res.headersSent) {
      // The whole (inspected, scrubbed) body is in hand and the head still waits: send
      // both in one write with the body's real length, instead of a chunked body and a
      // separate terminating chunk (one write per small inspected response).
      const body = held.length === 1 ? held[0]! : Buffer.concat(held);
      this.#held = null;
      this.#heldBytes = 0;
      res.setHeader('content-length', body.length);
      res.end(body);
    } else {
      this.#release();
      res.end();
    }
    this.flow.done();
  }

  /** The head goes, with what was held; from here on bytes go straight through. */
  #release(): boolean {
    const h = this.#held;
    this.#held = null;
    this.#heldBytes = 0;
    if (!h || h.length === 0) return true;
    return this.#res.write(h.length === 1 ? h[0]! : Buffer.concat(h));
  }
}
