/**
 * The master key that encrypts the secret store: 32 bytes from `SLUICE_MASTER_KEY`
 * (64 hex characters, or base64/base64url of 32 bytes), else from
 * `<dataDir>/master.key` (the same text formats, mode 0600). Messages about a bad
 * key describe its shape, never its characters.
 *
 * @example
 * await ensureMasterKey('/home/me/.sluice');      // `sluice init`: create master.key once
 * const key = await loadMasterKey('/home/me/.sluice'); // Buffer(32) or undefined
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrivateFileOnce } from './atomic-write.js';
import { CredentialError } from './errors.js';

export const MASTER_KEY_ENV = 'SLUICE_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';
export const MASTER_KEY_BYTES = 32;

const HEX = /^[0-9a-fA-F]{64}$/;
const B64 = /^[A-Za-z0-9+/]{43}=?$/;
const B64URL = /^[A-Za-z0-9_-]{43}=?$/;

/**
 * Parse key text (surrounding whitespace ignored). `source` names where it came
 * from in the error message, which never includes the text itself.
 *
 * @example
 * parseMasterKey('00'.repeat(32), 'SLUICE_MASTER_KEY').length; // 32
 */
export function parseMasterKey(text: string, source: string): Buffer {
  const t = text.trim();
  let key: Buffer | undefined;
  if (HEX.test(t)) key = Buffer.from(t, 'hex');
  else if (B64.test(t)) key = Buffer.from(t, 'base64');
  else if (B64URL.test(t)) key = Buffer.from(t, 'base64url');
  if (key?.length !== MASTER_KEY_BYTES) {
    throw new CredentialError(
      'master_key_invalid',
      `${source} is not a master key: expected 32 bytes written as 64 hex characters or 44 base64 characters ` +
        `(got ${t.length} characters; the value is not shown). Generate one with: openssl rand -hex 32`,
      { source },
    );
  }
  return key;
}

/**
 * The master key for `dataDir`: `env.SLUICE_MASTER_KEY` if set (non-empty), else
 * `<dataDir>/master.key`, else undefined. A key file readable by group or others
 * is refused, as ssh refuses such a private key.
 */
export async function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer | undefined> {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parseMasterKey(fromEnv, `the environment variable ${MASTER_KEY_ENV}`);
  const path = join(dataDir, MASTER_KEY_FILE);
  let text: string;
  try {
    const st = await stat(path);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new CredentialError('master_key_invalid', `${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${path}`, {
        file: path,
      });
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof CredentialError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new CredentialError('master_key_invalid', `cannot read the master key file ${path} (${code ?? 'error'})`, { file: path });
  }
  return parseMasterKey(text, `the master key file ${path}`);
}

/** What ensureMasterKey found or did. */
export interface EnsuredMasterKey {
  /** Where the key comes from: the environment variable wins over the file. */
  source: 'env' | 'file';
  /** The key file, when source is 'file'. */
  path?: string;
  /** True if this call created the key file. */
  created: boolean;
}

/**
 * Make sure a master key exists for `dataDir`: with `SLUICE_MASTER_KEY` set, check
 * it and create nothing; else create `<dataDir>/master.key` (32 random bytes as
 * hex, mode 0600, created atomically, never replacing an existing file) unless it
 * is there, and check it. `sluice init` calls this.
 *
 * @example
 * const k = await ensureMasterKey(dir);
 * if (k.created) console.log(`created master key ${k.path} (mode 0600)`);
 */
export async function ensureMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<EnsuredMasterKey> {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    parseMasterKey(fromEnv, `the environment variable ${MASTER_KEY_ENV}`);
    return { source: 'env', created: false };
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, MASTER_KEY_FILE);
  const created = await createPrivateFileOnce(path, `${randomBytes(MASTER_KEY_BYTES).toString('hex')}\n`);
  // Whether new or pre-existing, it must parse and be private.
  const key = await loadMasterKey(dataDir, {});
  key?.fill(0);
  return { source: 'file', path, created };
}
