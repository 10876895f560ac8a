/**
 * The key Sluice signs the JWTs it mints with (the `jwt` form's tokens, and the
 * subject tokens of RFC 8693 exchanges): an ES256 (P-256) key kept in the data
 * directory as `broker-jwt-key.pem` (PKCS#8, 0600, created whole or not at all, as
 * the token key is: identity/keys.ts), named by its RFC 7638 thumbprint as `kid`.
 * It is a different key from the one that signs agent tokens: a service that
 * verifies Sluice's JWTs must not be able to verify (or be confused by) an agent's.
 *
 * @example
 * const key = await loadBrokerKey('/var/lib/sluice');
 * key.jwks(); // { keys: [{ kty: 'EC', crv: 'P-256', kid, alg: 'ES256', use: 'sig', x, y }] }
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import type { JWK } from 'jose';
import { mkdirPrivate, placeNew, readOptional } from '../../identity/keys.js';
import { ErrorCode, SluiceError } from '../../errors.js';

export const BROKER_KEY_FILE = 'broker-jwt-key.pem';
export const BROKER_ALG = 'ES256';

/** The broker's signing key, its key id, and the public set services verify with. */
export interface BrokerKey {
  readonly privateKey: KeyObject;
  readonly kid: string;
  /** The JWKS document (RFC 7517 §5): the public key only. */
  jwks(): { keys: JWK[] };
}

/** Load the key from `dataDir`, creating it on first use (safe against a concurrent gate). */
export async function loadBrokerKey(dataDir: string): Promise<BrokerKey> {
  const path = join(dataDir, BROKER_KEY_FILE);
  let pem = await readOptional(path);
  if (pem === null) {
    await mkdirPrivate(dataDir);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // Another gate may have won the race: whichever file is on disk is the key.
    await placeNew(path, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    pem = (await readOptional(path)) ?? '';
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new SluiceError(ErrorCode.IDENTITY_KEY, `${path}: not a PEM private key`, { file: path });
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new SluiceError(ErrorCode.IDENTITY_KEY, `${path}: expected a P-256 (ES256) private key`, { file: path });
  }
  const pub = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(pub);
  const doc = { keys: [{ ...pub, kid, alg: BROKER_ALG, use: 'sig' }] };
  return { privateKey, kid, jwks: () => structuredClone(doc) };
}
