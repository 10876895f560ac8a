/**
 * Writing the CA to disk. The key file is created with mode 0600 by the same
 * open(2) call that creates it (O_CREAT|O_EXCL), so there is no moment where it
 * exists with the umask's default, world-readable mode and the contents in it.
 *
 * @example
 * const { certPath, keyPath } = await writeCa('/home/me/.sluice', await createCa());
 */
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, SluiceError } from '../errors.js';
import { tempSibling } from '../temp-files.js';
import type { CaMaterial } from './ca.js';
import { errnoCode } from './tls-file.js';

/** File names inside the CA directory; the CLI and docs refer to these. */
export const CA_CERT_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca-key.pem';

/**
 * Write `ca.pem` (0644) and `ca-key.pem` (0600) into `dir`, creating `dir` (0700)
 * if needed. Refuses to replace existing files unless `force`: replacing a CA
 * silently breaks every client that trusts the old one.
 *
 * @example
 * await writeCa(dir, ca);                  // fails if a CA is already there
 * await writeCa(dir, ca, { force: true }); // atomically replaces both files
 */
export async function writeCa(dir: string, ca: CaMaterial, opts: { force?: boolean } = {}): Promise<{ certPath: string; keyPath: string }> {
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  const force = opts.force === true;
  try {
    // 0700 because the directory holds the key; an existing directory keeps its mode.
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SluiceError(ErrorCode.TLS_CA, `${dir}: cannot create the CA directory (${errnoCode(err)})`, { file: dir });
  }
  if (!force) {
    for (const p of [certPath, keyPath]) {
      if (await exists(p)) {
        throw new SluiceError(
          ErrorCode.TLS_CA,
          `${p} already exists; refusing to overwrite the CA (use --force to replace it; clients that trust the old CA will stop trusting the gate)`,
          { file: p },
        );
      }
    }
  }
  // Key first: a certificate without its key is useless, a key without a certificate is cleaned up.
  await placeFile(keyPath, ca.keyPem, 0o600, force);
  try {
    await placeFile(certPath, ca.certPem, 0o644, force);
  } catch (err) {
    if (!force) await rm(keyPath, { force: true });
    throw err;
  }
  return { certPath, keyPath };
}

/**
 * Without `force`: create `path` exclusively (fails if it appeared meanwhile).
 * With `force`: write a sibling temp file and rename it over `path`, so readers
 * see the old file or the new one, never half of one.
 */
async function placeFile(path: string, data: string, mode: number, force: boolean): Promise<void> {
  const target = force ? tempSibling(path) : path;
  try {
    await writeExclusive(target, data, mode);
    if (force) await rename(target, path);
  } catch (err) {
    // Only remove what this call created: on EEXIST the file at `target` is someone else's.
    if (errnoCode(err) === 'EEXIST') {
      throw new SluiceError(ErrorCode.TLS_CA, `${path} appeared while writing the CA; refusing to overwrite it`, { file: path });
    }
    await rm(target, { force: true });
    throw new SluiceError(ErrorCode.TLS_CA, `${path}: cannot write (${errnoCode(err)})`, { file: path });
  }
}

async function writeExclusive(path: string, data: string, mode: number): Promise<void> {
  const fh = await open(path, 'wx', mode);
  try {
    // The umask can only narrow `mode`; chmod makes the result exactly `mode`
    // (e.g. 0644 for the certificate even under umask 077).
    await fh.chmod(mode);
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw new SluiceError(ErrorCode.TLS_CA, `${path}: cannot check whether it exists (${errnoCode(err)})`, { file: path });
  }
}
