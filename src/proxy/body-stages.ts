/**
 * The pieces the sniffed-response inspector is made of: a stage takes the body's bytes
 * and gives back what may leave (the same bytes, later, unless it rewrites text).
 */
import type { Finding } from '../inspect/finding.js';
import type { ResponseScanner } from '../inspect/injection/response-scanner.js';
import type { InjectionFinding } from '../inspect/injection/types.js';
import { QuotedPrintable } from '../inspect/quoted-printable.js';
import { cleanFinding, ResponseBlockedError, ResponseInspector, type ResponseInspectOptions } from './response-inspector.js';

export interface Stage {
  /** Bytes for the next step (the agent, or the compressed stage gating its raw bytes). */
  push(parts: Buffer[]): Promise<Buffer[]>;
  end(): Promise<Buffer[]>;
  /** Decided the body needs no scanning: everything passes as is from now on. */
  readonly passing: boolean;
  readonly decided: boolean;
  /** How much the text inspection holds before the head goes (its own rule); absent: the default. */
  readonly holdBytes?: number;
  /** Bytes held back now; with `flush`, the gate releases them (scanned) after a short wait, so a stream flows. */
  readonly held?: number;
  flush?(): Promise<Buffer[]>;
  /** The whole body before anything was pushed, inspected at once (BodyInspector.scanWhole); null: push and end it. */
  scanWhole?(body: Buffer): Buffer[] | null;
}

/** Everything passes as is. */
export const PASS: Stage = {
  push: (parts) => Promise.resolve(parts),
  end: () => Promise.resolve([]),
  scanWhole: (body) => (body.length > 0 ? [body] : []),
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

  get held(): number {
    return this.#inner.held;
  }

  async flush(): Promise<Buffer[]> {
    try {
      return await this.#inner.flush();
    } finally {
      this.#collect();
    }
  }

  /** A MIME multipart body is also read with quoted-printable undone (its parts may use it). */
  readonly #qp: { decoder: QuotedPrintable; scanner: ResponseScanner } | null;

  constructor(
    private readonly opts: ResponseInspectOptions,
    private readonly findings: Finding[],
    scanOnly: boolean,
    charset: string | undefined,
    multipart = false,
  ) {
    const action = scanOnly && opts.action === 'strip' ? 'block' : opts.action;
    const type = charset ? `text/plain; charset=${charset}` : undefined;
    this.#inner = new ResponseInspector(null, opts.scanner.responseScanner(type, 'response.body'), { ...opts, action }, '', null);
    this.#qp = multipart ? { decoder: new QuotedPrintable(), scanner: opts.scanner.responseScanner(undefined, 'response.body') } : null;
  }

  async push(parts: Buffer[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    try {
      for (const p of parts) {
        out.push(...(await this.#inner.push(p)));
        if (this.#qp) this.#qpFound(this.#qp.scanner.push(this.#qp.decoder.push(p)));
      }
    } finally {
      this.#collect();
    }
    return out;
  }

  scanWhole(body: Buffer): Buffer[] | null {
    if (this.#qp) return null;
    try {
      return this.#inner.scanWhole(body);
    } finally {
      this.#collect();
    }
  }

  async end(): Promise<Buffer[]> {
    try {
      const out = await this.#inner.end();
      if (this.#qp) this.#qpFound([...this.#qp.scanner.push(this.#qp.decoder.end()), ...this.#qp.scanner.end()]);
      return out;
    } finally {
      this.#collect();
    }
  }

  /** What only the quoted-printable view shows (the plain view has not seen it): recorded, and refused unless warned. */
  #qpFound(found: InjectionFinding[]): void {
    this.#collect();
    const seen = new Set(this.findings.map((f) => f.type));
    const fresh = found.filter((f) => !seen.has(f.type));
    const action = this.opts.action === 'warn' ? 'warn' : 'block';
    for (const f of fresh) this.findings.push(cleanFinding(f, action));
    const blocking = fresh.filter((f) => f.action === 'block');
    if (blocking.length === 0 || action === 'warn') return;
    throw new ResponseBlockedError(
      'injection_blocked',
      `the response carries a prompt injection in a quoted-printable part (${[...new Set(blocking.map((f) => f.type))].join(', ')}); refused`,
      blocking.map((f) => cleanFinding(f, 'block')),
    );
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
  return new ResponseBlockedError(
    'response_unreadable',
    `the response body cannot be decoded for inspection (${typeof code === 'string' ? code : err.message}); refused`,
    [f],
  );
}
