/**
 * Reading the PEM files an operator points Sluice at, with errors a person can
 * act on: which file, and what is wrong with it (missing, unreadable, a
 * directory), as SluiceError(TLS_CA).
 *
 * @example
 * const pem = await readTlsFile('/etc/sluice/ca.pem', 'CA certificate');
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, SluiceError } from '../errors.js';

/**
 * The file's text, or SluiceError(TLS_CA) naming `what` and `path`.
 *
 * @example
 * await readTlsFile(keyPath, 'CA private key');
 */
export async function readTlsFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    const why =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory, expected a file'
            : `cannot read (${code})`;
    throw new SluiceError(ErrorCode.TLS_CA, `${what} ${path}: ${why}`, { file: path, cause: code });
  }
}

/**
 * The `code` of a Node system error (`ENOENT`, ...), or the error's text.
 *
 * @example
 * errnoCode(err) === 'EEXIST';
 */
export function errnoCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : String(err);
}
