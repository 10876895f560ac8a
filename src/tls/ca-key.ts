/**
 * Turning a CA private key file into something that can sign certificates.
 * Sluice creates ECDSA P-256 CAs, but operators may bring their own CA (often
 * RSA, sometimes P-384), so every common CA key type is accepted here.
 *
 * Error messages name the file and the problem, never the key bytes, and never
 * OpenSSL's own message (which can quote parts of the input).
 *
 * @example
 * const key = parseCaPrivateKey('/etc/sluice/ca-key.pem', pemText);
 * const { hash, algorithmIdentifier } = caSignatureScheme('/etc/sluice/ca-key.pem', key);
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ErrorCode, SluiceError } from '../errors.js';
import { NULL, oid, seq } from './der.js';

/** A digest for node:crypto `sign` and the matching DER AlgorithmIdentifier. */
export interface CaSignatureScheme {
  hash: 'sha256' | 'sha384' | 'sha512';
  algorithmIdentifier: Buffer;
}

// ecdsa-with-SHA256/384/512 (RFC 5758): no parameters.
const EC_SCHEMES: Readonly<Record<string, CaSignatureScheme>> = {
  prime256v1: { hash: 'sha256', algorithmIdentifier: seq(oid('1.2.840.10045.4.3.2')) },
  secp384r1: { hash: 'sha384', algorithmIdentifier: seq(oid('1.2.840.10045.4.3.3')) },
  secp521r1: { hash: 'sha512', algorithmIdentifier: seq(oid('1.2.840.10045.4.3.4')) },
};

/**
 * Parse an unencrypted PEM private key (PKCS#8, SEC1 "EC PRIVATE KEY" or
 * PKCS#1 "RSA PRIVATE KEY").
 *
 * @example
 * parseCaPrivateKey('ca-key.pem', readFileSync('ca-key.pem', 'utf8'));
 */
export function parseCaPrivateKey(keyPath: string, text: string): KeyObject {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new SluiceError(
      ErrorCode.TLS_CA,
      `${keyPath}: the CA private key is encrypted; Sluice needs it unencrypted (protect it with file permissions, 0600)`,
      { file: keyPath },
    );
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new SluiceError(ErrorCode.TLS_CA, `${keyPath}: no PEM private key block found (expected "-----BEGIN PRIVATE KEY-----")`, {
      file: keyPath,
    });
  }
  try {
    return createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new SluiceError(ErrorCode.TLS_CA, `${keyPath}: the PEM private key block does not parse (corrupt or unsupported key)`, {
      file: keyPath,
    });
  }
}

/**
 * How to sign certificates with a CA key: the node:crypto digest name and the
 * DER AlgorithmIdentifier that names the algorithm inside the certificate.
 * The hash follows the key's strength, as CAs conventionally do.
 *
 * @example
 * const scheme = caSignatureScheme('ca-key.pem', keyObject); // { hash: 'sha256', algorithmIdentifier: <DER> }
 */
export function caSignatureScheme(keyPath: string, key: KeyObject): CaSignatureScheme {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const scheme = EC_SCHEMES[curve];
    if (!scheme) throw unsupported(keyPath, `EC curve ${curve || '(unknown)'}`);
    return scheme;
  }
  if (type === 'rsa') {
    // sha256WithRSAEncryption; its parameters are an explicit NULL (RFC 4055).
    return { hash: 'sha256', algorithmIdentifier: seq(oid('1.2.840.113549.1.1.11'), NULL) };
  }
  throw unsupported(keyPath, `key type ${type ?? '(unknown)'}`);
}

function unsupported(keyPath: string, what: string): SluiceError {
  return new SluiceError(ErrorCode.TLS_CA, `${keyPath}: unsupported CA ${what}; use ECDSA (P-256, P-384, P-521) or RSA`, { file: keyPath });
}
