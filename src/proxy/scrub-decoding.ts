import type { IncomingHttpHeaders } from 'node:http';
import { createSafeDecompressor, type SafeDecompressor } from '../inspect/decompress.js';
import type { Finding } from '../inspect/finding.js';
import { decodeBody, type BodyInspector } from './response-inspector.js';
import { headerValue, unreadable } from './body-stages.js';

/**
 * A response that may carry a reflected secret must reach the scrubber decoded: when
 * nothing inspects it (`inspect.injection: off`) and the upstream compressed it although
 * the gate withheld `accept-encoding`, it is decoded here (within the same limits).
 *
 * @example
 * const inspect = decodedForScrub(inspect, up.scrub.length > 0, method, limits);
 */
export function decodedForScrub(
  inner: ((status: number, headers: IncomingHttpHeaders) => BodyInspector | null) | null,
  scrubbing: boolean,
  method: string,
  limits: { maxDecompressedBytes: number; maxRatio: number },
): ((status: number, headers: IncomingHttpHeaders) => BodyInspector | null) | null {
  if (!scrubbing) return inner;
  return (status, headers) => {
    const insp = inner?.(status, headers) ?? null;
    if (insp || headers['content-encoding'] === undefined) return insp;
    if (method === 'HEAD' || status === 204 || status === 304 || status < 200) return null;
    const encoding = headerValue(headers['content-encoding']);
    let ce: SafeDecompressor | null;
    try {
      ce = createSafeDecompressor(encoding, { maxOutputBytes: limits.maxDecompressedBytes, maxRatio: limits.maxRatio });
    } catch (err) {
      return new DecodeOnly(null, err as Error);
    }
    return ce ? new DecodeOnly(ce, null) : null;
  };
}

class DecodeOnly implements BodyInspector {
  readonly findings: Finding[] = [];
  readonly decodes = true;
  readonly holdBytes = 0;
  constructor(
    private readonly ce: SafeDecompressor | null,
    private readonly setupError: Error | null,
  ) {}
  async push(chunk: Buffer): Promise<Buffer[]> {
    if (this.setupError) throw unreadable(this.setupError, this.findings);
    return decodeBody(this.ce, chunk, false, this.findings);
  }
  async end(): Promise<Buffer[]> {
    if (this.setupError) throw unreadable(this.setupError, this.findings);
    return decodeBody(this.ce, null, true, this.findings);
  }
}
