import type { IncomingHttpHeaders } from 'node:http';
import { createSafeDecompressor, type SafeDecompressor } from '../../inspect/decompress.js';
import type { Finding } from '../../inspect/finding.js';
import type { GateState } from '../gate-runtime.js';
import { decodeBody, ResponseBlockedError, type BodyInspector } from '../response-inspector.js';

/**
 * A response inspector that decodes the body (gzip, deflate, br, with the bomb
 * limits) and, by default, reads it whole up to `max` bytes before `finish` decides
 * what the agent gets. Subclasses that stream override `take`.
 *
 * @example
 * class Card extends BufferedInspector { protected finish(body: Buffer) { return [body]; } }
 */
export abstract class BufferedInspector implements BodyInspector {
  readonly findings: Finding[] = [];
  readonly decodes: boolean;
  readonly holdBytes: number = 1;
  readonly #decompressor: SafeDecompressor | null;
  readonly #setupError: boolean;
  readonly #parts: Buffer[] = [];
  #size = 0;

  constructor(
    state: GateState,
    headers: IncomingHttpHeaders,
    protected readonly max: number,
    private readonly limitName: string,
  ) {
    let d: SafeDecompressor | null = null;
    let failed = false;
    try {
      d = createSafeDecompressor(headers['content-encoding'], {
        maxOutputBytes: state.inspect.max_decompressed_bytes,
        maxRatio: state.inspect.max_decompression_ratio,
      });
    } catch {
      failed = true;
    }
    this.#decompressor = d;
    this.#setupError = failed;
    this.decodes = d !== null;
  }

  async push(chunk: Buffer): Promise<Buffer[]> {
    return this.take(await this.decode(chunk, false), false);
  }

  async end(): Promise<Buffer[]> {
    return this.take(await this.decode(null, true), true);
  }

  protected take(parts: Buffer[], last: boolean): Promise<Buffer[]> | Buffer[] {
    const body = this.collect(parts, last);
    return body === null ? [] : this.finish(body);
  }

  /** Gather parts; the whole body once `last`, else null. Throws past `max`. */
  protected collect(parts: Buffer[], last: boolean): Buffer | null {
    for (const p of parts) {
      this.#size += p.length;
      if (this.#size > this.max) throw this.tooLarge();
      this.#parts.push(p);
    }
    return last ? Buffer.concat(this.#parts) : null;
  }

  protected abstract finish(body: Buffer): Buffer[];

  protected tooLarge(): ResponseBlockedError {
    const f: Finding = { type: 'message_too_large', location: 'response.body', action: 'block', detail: `over ${this.max} bytes (${this.limitName})` };
    this.findings.push(f);
    return new ResponseBlockedError('response_unreadable', `the response is over ${this.max} bytes (${this.limitName}); refused`, [f]);
  }

  private decode(chunk: Buffer | null, last: boolean): Promise<Buffer[]> {
    if (this.#setupError)
      throw new ResponseBlockedError('response_unreadable', 'the response uses a content encoding the gate cannot read; refused', [
        { type: 'response_unreadable', location: 'response.body', action: 'block' },
      ]);
    return decodeBody(this.#decompressor, chunk, last, this.findings);
  }
}
