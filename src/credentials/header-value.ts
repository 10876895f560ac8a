/**
 * Secrets going into a header: they must not contain bytes that end or corrupt a
 * header line (CR, LF, NUL, other controls). They are carried as latin1 strings so
 * each byte reaches the wire unchanged, as Node and undici write header strings.
 *
 * @example
 * headerSafe(Buffer.from('tok_123'), 'github'); // 'tok_123'
 */
import { CredentialError } from './errors.js';

/**
 * Headers the gate owns (framing, routing, its own identity): a credential is
 * never written into them, and a placeholder in them is never swapped.
 */
export const GATE_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
]);

/** Whether every byte of `bytes` may appear in a header value (RFC 9110 field-vchar, SP, HTAB, obs-text). */
export function isHeaderSafe(bytes: Buffer): boolean {
  for (const b of bytes) if ((b < 0x20 && b !== 0x09) || b === 0x7f) return false;
  return true;
}

/** The secret as a header string; CredentialError naming `ref` (not the value) if it cannot go in a header. */
export function headerSafe(bytes: Buffer, ref: string): string {
  if (!isHeaderSafe(bytes)) {
    throw new CredentialError('credential_invalid', `secret '${ref}' contains control characters (such as a newline) and cannot be sent in a header`, { ref });
  }
  return bytes.toString('latin1');
}

/** Delete every header named `name`, whatever its case; returns whether one was there. */
export function deleteHeader(headers: Record<string, string | string[]>, name: string): boolean {
  const lower = name.toLowerCase();
  let found = false;
  for (const k of Object.keys(headers)) {
    if (k.toLowerCase() === lower) {
      delete headers[k];
      found = true;
    }
  }
  return found;
}
