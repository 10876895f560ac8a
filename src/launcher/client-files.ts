/**
 * The files a run's clients read to trust the gate: the Sluice CA, the bundle (system
 * roots plus the Sluice CA), a wgetrc and a Java trust store, in the trust folder
 * (launcher/trust-dir.ts). Readable by all: they hold certificates only. Runs share
 * the folder, so every file is replaced whole (temp file, then rename): a client
 * starting meanwhile reads the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeClientBundle } from '../tls/trust.js';
import type { TrustFiles } from './agent-env.js';
import { writeJavaTrustStore } from './java-trust-store.js';

/**
 * Write the files into `dir`, and name them as the client will see them: under
 * `visibleDir` (the same folder, or where a sandbox mounts it).
 *
 * @example
 * const trust = await writeClientFiles('/tmp/sluice-trust-0-ab12', '/run/sluice/trust', '/srv/sluice/data/ca.pem');
 */
export async function writeClientFiles(dir: string, visibleDir: string, caCertFile: string): Promise<TrustFiles> {
  const caPem = await readFile(caCertFile, 'utf8');
  await replace(join(dir, 'ca.pem'), (tmp) => writeFile(tmp, caPem, { mode: 0o644 }));
  await writeClientBundle(join(dir, 'ca-bundle.pem'), caPem);
  const seen = (name: string): string => join(visibleDir, name);
  // The rc file names the bundle by the path the client sees, so a sandbox gets its own.
  const wgetrc = visibleDir === dir ? 'wgetrc' : 'wgetrc.sandbox';
  const rc = `# written by sluice run\nca_certificate = ${seen('ca-bundle.pem')}\nuse_proxy = on\n`;
  await replace(join(dir, wgetrc), (tmp) => writeFile(tmp, rc, { mode: 0o644 }));
  const java = await replace(join(dir, 'java-trust.p12'), (tmp) => writeJavaTrustStore(tmp, join(dir, 'ca.pem'), dir));
  return {
    caCert: seen('ca.pem'),
    bundle: seen('ca-bundle.pem'),
    wgetrc: seen(wgetrc),
    ...(java !== false ? { javaTrustStore: seen('java-trust.p12') } : {}),
  };
}

/** Write `path` through a temp file; `write` may resolve false to say it wrote nothing. */
async function replace<T>(path: string, write: (tmp: string) => Promise<T>): Promise<T | false> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const r = await write(tmp);
    if (r === false) return false;
    await chmod(tmp, 0o644);
    await rename(tmp, path);
    return r;
  } finally {
    await rm(tmp, { force: true });
  }
}
