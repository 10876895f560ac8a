/**
 * Small PEM, serial-number and validity helpers shared by the CA, the leaf minter and the
 * trust bundles.
 *
 * @example
 * const certs = splitPemCertificates(readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8'));
 */
import { randomBytes } from 'node:crypto';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/**
 * Every `CERTIFICATE` block in a PEM text, each normalised to `\n` line endings
 * and a trailing newline. Text between blocks (bundle comments, "# Issuer:"
 * lines) is dropped.
 *
 * @example
 * splitPemCertificates(bundle).length; // 140-odd for a Debian ca-certificates.crt
 */
export function splitPemCertificates(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(CERT_BLOCK)) {
    out.push(`${m[0].replace(/\r\n/g, '\n')}\n`);
  }
  return out;
}

/**
 * The base64 body of a PEM block without whitespace: a stable key for
 * deduplicating the same certificate appearing in two bundles.
 *
 * @example
 * pemBodyKey(a) === pemBodyKey(b); // same certificate
 */
export function pemBodyKey(pem: string): string {
  return pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
}

/**
 * A random 16-byte serial as hex, positive and exactly 16 bytes when DER-encoded:
 * the top bit is cleared (a set bit would make the INTEGER negative, or cost a
 * leading zero byte) and the next one set (so no leading zero byte is trimmed).
 * 126 random bits is well past the 64 bits CA/B Forum asks for.
 *
 * @example
 * randomSerialHex(); // '5f3c...' (32 hex digits)
 */
export function randomSerialHex(): string {
  const b = randomBytes(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x40;
  return b.toString('hex');
}

/** Certificates start an hour back: a client whose clock is a little behind still accepts them. */
const HOUR_MS = 3_600_000;

/**
 * When a certificate made at `now` for `validDays` is valid, in ms since the epoch:
 * from an hour before `now`, so a client whose clock is a little behind accepts it.
 *
 * @example
 * validityWindow(Date.now(), 3650); // { notBefore: an hour ago, notAfter: in ten years }
 */
export function validityWindow(now: number, validDays: number): { notBefore: number; notAfter: number } {
  return { notBefore: now - HOUR_MS, notAfter: now + validDays * 24 * HOUR_MS };
}
