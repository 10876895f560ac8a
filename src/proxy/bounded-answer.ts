/**
 * A JSON-RPC answer (MCP or A2A) read whole up to a bound. Past the bound its bytes are
 * no longer kept, only scanned for the envelope's id (the SDKs write the id last), so
 * the client can still get a JSON-RPC error for its own request instead of a cut. A
 * body that cannot be JSON is refused at the bound (`tooLarge`).
 *
 * @example
 * const answer = new BoundedAnswer(4 << 20, () => tooLargeError());
 * answer.push(parts);
 * if (last) answer.over ? denyFor(answer.over.result().id) : read(answer.body());
 */
import { couldBeJson } from '../inspect/mcp/rpc-markers.js';
import { EnvelopeScanner } from '../mcp/stdio/envelope.js';

export class BoundedAnswer {
  readonly #parts: Buffer[] = [];
  #size = 0;
  #over: EnvelopeScanner | null = null;

  constructor(
    private readonly max: number,
    private readonly tooLarge: () => Error,
  ) {}

  /** Bytes read so far, kept or not. */
  get size(): number {
    return this.#size;
  }

  /** Set once the answer went over the bound: what is left of it (its envelope, for the id). */
  get over(): EnvelopeScanner | null {
    return this.#over;
  }

  push(parts: Buffer[]): void {
    for (const p of parts) {
      this.#size += p.length;
      if (this.#over) this.#over.push(p);
      else if (this.#size > this.max) {
        if (!couldBeJson(this.#parts[0] ?? p)) throw this.tooLarge();
        this.#over = new EnvelopeScanner();
        for (const q of this.#parts) this.#over.push(q);
        this.#over.push(p);
        this.#parts.length = 0;
      } else this.#parts.push(p);
    }
  }

  /** The whole answer (within the bound). */
  body(): Buffer {
    return Buffer.concat(this.#parts);
  }
}
