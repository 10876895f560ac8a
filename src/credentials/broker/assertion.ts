/**
 * A JWT bearer assertion (RFC 7523 §3), signed with a private key from the secret
 * store in the key's own algorithm: what the oauth2 form's jwt_bearer grant and the
 * gcp form send to a token endpoint. It lives minutes (the server refuses an older
 * one), carries a fresh `jti`, and its key is read, used and dropped per fetch.
 *
 * @example
 * const jwt = await signAssertion(pem, 'crm_key', { iss: 'sluice-crm', sub: 'sluice-crm', aud: tokenUrl }, broker.now());
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { failure } from './token-request.js';

/** RFC 7523 §3: minutes at most; Google's limit is an hour. */
const ASSERTION_TTL_SEC = 300;

export interface AssertionClaims {
  iss: string;
  sub?: string | undefined;
  aud: string;
  /** Google's service-account grant reads the scopes from the assertion. */
  scope?: string | undefined;
}

export async function signAssertion(pem: string, credential: string, claims: AssertionClaims, now: number): Promise<string> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw failure(credential, 'the assertion needs a PEM private key as its secret');
  }
  const t = key.asymmetricKeyType;
  const alg = t === 'rsa' ? 'RS256' : t === 'ed25519' ? 'EdDSA' : t === 'ec' ? 'ES256' : null;
  if (alg === null) throw failure(credential, `an assertion cannot be signed with a ${t ?? 'unknown'} key`);
  const iat = Math.floor(now / 1000);
  let b = new SignJWT(claims.scope === undefined ? {} : { scope: claims.scope })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_TTL_SEC)
    .setJti(randomUUID());
  if (claims.sub !== undefined) b = b.setSubject(claims.sub);
  return b.sign(key);
}

/** The grant type both send. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
