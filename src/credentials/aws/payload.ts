/**
 * The payload hash the gate signs, by what the agent's client declared in
 * `x-amz-content-sha256` (read by agent-signature.ts), never by buffering an
 * unbounded body:
 *
 * | the agent declared                          | the gate                                                     |
 * | ------------------------------------------- | ------------------------------------------------------------ |
 * | nothing, no body                            | signs the empty payload's hash                               |
 * | a hex hash or nothing, body within the window | reads the body (bounded), signs its own hash of it; a declared hash that differs is refused |
 * | a hex hash, body over the window (by its content-length, or once read past it) | signs the declared hash and streams the body, hashing it; a mismatch aborts the upload |
 * | nothing, body over the window               | refuses: it cannot hash what it will not hold                |
 * | `UNSIGNED-PAYLOAD`, `STREAMING-UNSIGNED-PAYLOAD-TRAILER` | streams the body as is (S3 allows these; the trailer checksum is not signed) |
 * | `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`, `STREAMING-AWS4-ECDSA-...` | refuses: the chunk signatures chain from the agent's placeholder signature and are not re-signed |
 *
 * Before reading a body ahead, `readingBody` is called: a client that sent
 * `Expect: 100-continue` sends nothing until the gate answers it.
 *
 * @example
 * const hash = await payloadHash(view, 'UNSIGNED-PAYLOAD', 1 << 20, 'aws_prod'); // 'UNSIGNED-PAYLOAD', body untouched
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CredentialError } from '../errors.js';
import type { RequestView } from '../inject-placeholder.js';
import { swapBodyPlaceholders } from '../placeholder-stream.js';

/** SHA-256 of nothing: the payload hash of a request without a body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const PASSED_AS_IS = new Set(['UNSIGNED-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER']);

function refuse(ref: string, why: string): CredentialError {
  return new CredentialError('request_not_signable', `credential '${ref}' (aws_sigv4): ${why}`, { ref });
}

/**
 * The payload hash to sign for `view`, given the agent's claim; replaces `view.body`
 * with what is sent (the buffered bytes, or a stream that checks the declared hash).
 * A placeholder token in the body is refused as with every form (placeholder-stream.ts).
 */
export async function payloadHash(
  view: RequestView,
  claim: string | null,
  windowBytes: number,
  ref: string,
  readingBody: () => void = () => undefined,
): Promise<string> {
  if (claim !== null && PASSED_AS_IS.has(claim)) {
    if (view.body) view.body = swapBodyPlaceholders(view.body, {});
    return claim;
  }
  if (claim !== null && !HEX_SHA256.test(claim)) {
    const why = claim.startsWith('STREAMING-')
      ? `a ${claim} upload signs each chunk with the client's (placeholder) key, and the gate does not re-sign chunks; let the SDK send UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER (its default over HTTPS)`
      : `x-amz-content-sha256 '${claim.slice(0, 80)}' is neither a SHA-256 hash nor a payload mode the gate signs`;
    throw refuse(ref, why);
  }
  if (!view.body) return EMPTY_SHA256;
  const it = swapBodyPlaceholders(view.body, {})[Symbol.asyncIterator]();
  // A body declared larger than the window, with its hash: nothing to read ahead, it streams checked.
  const length = Number(view.headers['content-length'] ?? NaN);
  if (claim !== null && length > windowBytes) {
    view.body = checkedStream([], it, claim, ref);
    return claim;
  }
  readingBody();
  const head: Buffer[] = [];
  let size = 0;
  for (;;) {
    const r = await it.next();
    if (r.done === true) break;
    head.push(r.value);
    size += r.value.length;
    if (size > windowBytes) {
      if (claim === null) {
        throw refuse(
          ref,
          `the body is over ${windowBytes} bytes and the client declared no x-amz-content-sha256; the gate hashes only bodies it holds (send the hash or UNSIGNED-PAYLOAD)`,
        );
      }
      view.body = checkedStream(head, it, claim, ref);
      return claim;
    }
  }
  const body = Buffer.concat(head, size);
  const hash = createHash('sha256').update(body).digest('hex');
  if (claim !== null && claim !== hash) throw refuse(ref, 'x-amz-content-sha256 does not match the body the client sent');
  view.body = Readable.from(body.length > 0 ? [body] : []) as AsyncIterable<Buffer>;
  return hash;
}

/** The body as it streams, hashed; a hash other than the declared one fails the upload before its end reaches the upstream. */
async function* checkedStream(head: Buffer[], rest: AsyncIterator<Buffer>, declared: string, ref: string): AsyncGenerator<Buffer> {
  const h = createHash('sha256');
  for (const chunk of head) h.update(chunk);
  // The first bytes go while the rest is read: only the window is ever held.
  yield* head.splice(0);
  let last: Buffer | null = null;
  for (;;) {
    const r = await rest.next();
    if (r.done === true) break;
    h.update(r.value);
    if (last) yield last;
    last = r.value;
  }
  if (h.digest('hex') !== declared) throw refuse(ref, 'x-amz-content-sha256 does not match the body the client sent');
  if (last) yield last;
}
