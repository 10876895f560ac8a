/**
 * Signed checkpoints of the audit hash chain: an Ed25519 signature over (chain id, seq,
 * hash), so a trail cut short after a checkpoint, or rewritten up to it, is caught by
 * `sluice audit verify`. `anchor` checkpoints are written by prune: the hash the first
 * kept record of a chain names as its predecessor. The key is
 * `<data_dir>/audit-signing-key.pem` (PKCS#8, 0600), made on first use; its public half
 * is printed by `sluice audit key`.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The key file inside the data directory. */
export const SIGNING_KEY_FILE = 'audit-signing-key.pem';

/** One signed statement about a chain: its record `seq` has hash `hash`. */
export interface Checkpoint {
  chain_id: string;
  seq: number;
  hash: string;
  time: string;
  /** `checkpoint`: the chain's head when signed; `anchor`: the last record prune removed. */
  kind: 'checkpoint' | 'anchor';
  /** Which key signed it: the first 16 hex digits of SHA-256 over the public key (DER). */
  key_id: string;
  /** Ed25519 signature (base64) over `checkpointPayload`. */
  sig: string;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

/** The exact bytes signed: versioned, one field a line, so no two checkpoints share them. */
export function checkpointPayload(c: Pick<Checkpoint, 'chain_id' | 'seq' | 'hash' | 'time' | 'kind'>): Buffer {
  return Buffer.from(`sluice-audit-${c.kind}:v1\n${c.chain_id}\n${c.seq}\n${c.hash}\n${c.time}`, 'utf8');
}

/** The key id of a public key. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * The data directory's signing key, made (0600, written whole then renamed) when missing.
 *
 * @example
 * const key = loadSigningKey('/var/lib/sluice');
 * const cp = signCheckpoint(key, { chain_id, seq, hash, time: new Date().toISOString(), kind: 'checkpoint' });
 */
export function loadSigningKey(dataDir: string, create = true): SigningKey | null {
  const file = join(dataDir, SIGNING_KEY_FILE);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !create) {
      if (!create && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const { privateKey } = generateKeyPairSync('ed25519');
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const tmp = join(dataDir, `.${SIGNING_KEY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    writeFileSync(tmp, pem, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
    try {
      // Another process may have made one meanwhile: keep the one that is there (link fails on EEXIST).
      linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
    pem = readFileSync(file, 'utf8');
  }
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** A public key from PEM text (SPKI, or a private key's PEM, whose public half is taken). */
export function publicKeyFromPem(pem: string): KeyObject {
  return pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
}

/** Sign a checkpoint. */
export function signCheckpoint(key: SigningKey, c: Omit<Checkpoint, 'key_id' | 'sig'>): Checkpoint {
  return { ...c, key_id: key.keyId, sig: sign(null, checkpointPayload(c), key.privateKey).toString('base64') };
}

/** Whether `c` was signed by `publicKey` and not changed since. */
export function checkpointValid(c: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, checkpointPayload(c), publicKey, Buffer.from(c.sig, 'base64'));
  } catch {
    return false;
  }
}
