/**
 * The pieces the sniffed-response inspector is made of: a stage takes the body's bytes
 * and gives back what may leave (the same bytes, later, unless it rewrites text).
 */
import type { Finding } from '../inspect/finding.js';
import { ResponseBlockedError, ResponseInspector, type ResponseInspectOptions } from './response-inspector.js';

export interface Stage {
  /** Bytes for the next step (the agent, or the compressed stage gating its raw bytes). */
  push(parts: Buffer[]): Promise<Buffer[]>;
  end(): Promise<Buffer[]>;
  /** Decided the body needs no scanning: everything passes as is from now on. */
  readonly passing: boolean;
  readonly decided: boolean;
  /** How much the text inspection holds before the head goes (its own rule); absent: the default. */
  readonly holdBytes?: number;
}

/** Everything passes as is. */
export const PASS: Stage = {
  push: (parts) => Promise.resolve(parts),
  end: () => Promise.resolve([]),
  passing: true,
  decided: true,
};

/** Text: the ordinary response inspection, as if it had been labelled text/plain. */
export class TextStage implements Stage {
  readonly passing = false;
  readonly decided = true;
  readonly #inner: ResponseInspector;

  get holdBytes(): number {
    return this.#inner.holdBytes;
  }

  constructor(opts: ResponseInspectOptions, private readonly findings: Finding[], scanOnly: boolean, charset: string | undefined) {
    const action = scanOnly && opts.action === 'strip' ? 'block' : opts.action;
    const type = charset ? `text/plain; charset=${charset}` : undefined;
    this.#inner = new ResponseInspector(null, opts.scanner.responseScanner(type, 'response.body'), { ...opts, action }, '', null);
  }

  async push(parts: Buffer[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    try {
      for (const p of parts) out.push(...(await this.#inner.push(p)));
    } finally {
      this.#collect();
    }
    return out;
  }

  async end(): Promise<Buffer[]> {
    try {
      return await this.#inner.end();
    } finally {
      this.#collect();
    }
  }

  #collect(): void {
    this.findings.push(...this.#inner.findings.splice(0));
  }
}

/** A header that may repeat, as one value. */
export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Total length of some buffers. */
export function bytes(parts: Buffer[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** A body the gate cannot decode for inspection: refused, with its finding. */
export function unreadable(err: Error, findings: Finding[]): ResponseBlockedError {
  const code = (err as Error & { code?: unknown }).code;
  const f: Finding = { type: 'response_unreadable', location: 'response.body', action: 'block' };
  findings.push(f);
  return new ResponseBlockedError('response_unreadable', `the response body cannot be decoded for inspection (${typeof code === 'string' ? code : err.message}); refused`, [f]);
}
