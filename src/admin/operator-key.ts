/**
 * The Ed25519 key that signs operator tokens: `operator-key.pem` in the data
 * directory (PKCS#8, 0600). Its own key, not the agent tokens' `token-key.pem`: an
 * agent token can never pass as an operator's (and the audience differs too), and
 * rotating one does not invalidate the other. Made on first use (`sluice operator
 * token`, or a gate with `admin.listen`); the gate derives the public half.
 *
 * @example
 * const key = await ensureOperatorKey('/var/lib/sluice');
 * const pub = createPublicKey(key);
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdirPrivate, placeNew, readOptional } from '../identity/keys.js';

export const OPERATOR_KEY_FILE = 'operator-key.pem';

/** The operator signing key in `dataDir`, created (0600) when missing; concurrent callers end with the same key. */
export async function ensureOperatorKey(dataDir: string): Promise<KeyObject> {
  const path = join(dataDir, OPERATOR_KEY_FILE);
  let pem = await readOptional(path);
  if (pem === null) {
    await mkdirPrivate(dataDir);
    const { privateKey } = generateKeyPairSync('ed25519');
    await placeNew(path, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    pem = await readFile(path, 'utf8');
  }
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 private key`);
  return key;
}
