/**
 * The Ed25519 key pair that signs agent tokens, kept in the data directory:
 * `token-key.pem` (PKCS#8, 0600: whoever reads it can mint any identity) and
 * `token-key.pub.pem` (SPKI, 0644: all a gate replica needs to verify).
 *
 * @example
 * await ensureTokenKeys('/var/lib/sluice');          // sluice init
 * const key = await loadSigningKey('/var/lib/sluice'); // sluice token
 * const pub = await loadVerifyKey('/var/lib/sluice');  // the gate
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, SluiceError } from '../errors.js';
import { tempSibling } from '../temp-files.js';

export const TOKEN_KEY_FILE = 'token-key.pem';
export const TOKEN_PUBLIC_KEY_FILE = 'token-key.pub.pem';

/**
 * Create the key pair in `dataDir` if it is missing; leave an existing one alone
 * (replacing it would invalidate every token in circulation). If only the private
 * key exists, the public key is derived from it. Safe against a concurrent caller:
 * each file appears whole, with its final mode, or not at all.
 *
 * @example
 * await ensureTokenKeys(config.data_dir);
 */
export async function ensureTokenKeys(dataDir: string): Promise<void> {
  const keyPath = join(dataDir, TOKEN_KEY_FILE);
  const pubPath = join(dataDir, TOKEN_PUBLIC_KEY_FILE);
  let keyPem = await readOptional(keyPath);
  if (keyPem === null) {
    if ((await readOptional(pubPath)) !== null) {
      throw keyError(
        `${pubPath} exists but ${keyPath} does not; a new signing key would not match it. ` +
          `Restore ${TOKEN_KEY_FILE}, or remove ${TOKEN_PUBLIC_KEY_FILE} to start over (tokens already issued stop working)`,
        keyPath,
      );
    }
    await mkdirPrivate(dataDir);
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // Someone else may have won the race; either way the file on disk is the key.
    await placeNew(keyPath, pem, 0o600);
    keyPem = await readFile(keyPath, 'utf8');
  }
  if ((await readOptional(pubPath)) === null) {
    const pub = createPublicKey(parseEd25519(keyPem, keyPath, 'private'))
      .export({ type: 'spki', format: 'pem' })
      .toString();
    await placeNew(pubPath, pub, 0o644);
  }
}

/**
 * The private key that signs tokens. SluiceError(IDENTITY_KEY) naming the file when it
 * is missing (with "run sluice init") or not an Ed25519 private key.
 *
 * @example
 * const { token } = await issueToken(await loadSigningKey(dir), { tenant: 't', agent: 'a' });
 */
export async function loadSigningKey(dataDir: string): Promise<KeyObject> {
  const path = join(dataDir, TOKEN_KEY_FILE);
  return parseEd25519(await readKeyFile(path, 'token signing key'), path, 'private');
}

/**
 * The public key that verifies tokens; all a gate (or a replica) needs.
 *
 * @example
 * const verifier = new TokenVerifier(await loadVerifyKey(dir));
 */
export async function loadVerifyKey(dataDir: string): Promise<KeyObject> {
  const path = join(dataDir, TOKEN_PUBLIC_KEY_FILE);
  return parseEd25519(await readKeyFile(path, 'token verify key'), path, 'public');
}

/** The Ed25519 key in `pem`; anything else (not PEM, another key type) is refused naming the file. */
function parseEd25519(pem: string, path: string, kind: 'public' | 'private'): KeyObject {
  let key: KeyObject;
  try {
    key = kind === 'public' ? createPublicKey(pem) : createPrivateKey(pem);
  } catch {
    // No parser message: it could quote part of the file.
    throw keyError(`${path}: not a PEM ${kind} key`, path);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw keyError(`${path}: expected an Ed25519 ${kind} key, got ${key.asymmetricKeyType ?? 'unknown'}`, path);
  return key;
}

async function readKeyFile(path: string, what: string): Promise<string> {
  const pem = await readOptional(path);
  if (pem === null) throw keyError(`${what} not found at ${path}; run 'sluice init' to create it`, path);
  return pem;
}

export async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = errno(err);
    if (code === 'ENOENT') return null;
    throw keyError(`${path}: cannot read (${code})`, path);
  }
}

export async function mkdirPrivate(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw keyError(`${dir}: cannot create the data directory (${errno(err)})`, dir);
  }
}

/**
 * Write a temp file (created with `mode` by the open call itself), then link(2) it to
 * `path`: link never replaces an existing file and makes the whole file appear at once,
 * so a reader never sees a half-written key and two writers never clobber each other.
 * Returns false when `path` already existed.
 */
export async function placeNew(path: string, data: string, mode: number): Promise<boolean> {
  const tmp = tempSibling(path);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.chmod(mode); // the umask can only narrow the mode; make it exact
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, path);
      return true;
    } catch (err) {
      if (errno(err) === 'EEXIST') return false;
      throw err;
    }
  } catch (err) {
    throw keyError(`${path}: cannot write (${errno(err)})`, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

function keyError(message: string, file: string): SluiceError {
  return new SluiceError(ErrorCode.IDENTITY_KEY, message, { file });
}

function errno(err: unknown): string {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : 'unknown error';
}
