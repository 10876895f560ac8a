/**
 * The files a run's clients read to trust the gate: the Sluice CA, the bundle (system
 * roots plus the Sluice CA), a wgetrc and a Java trust store, in a folder of the run's
 * own outside the data directory, so an agent that may not read the data directory
 * (another uid, or a sandbox that hides it) still reads them. Readable by all: they
 * hold certificates only.
 */
import { chmod, copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeClientBundle } from '../tls/trust.js';
import type { TrustFiles } from '../cli/agent-env.js';
import { writeJavaTrustStore } from './java-trust-store.js';

/**
 * Write the files into `dir`, and name them as the client will see them: under
 * `visibleDir` (the same folder, or where a sandbox mounts it).
 *
 * @example
 * const trust = await writeClientFiles('/tmp/sluice-run-x', '/run/sluice', caPem);
 */
export async function writeClientFiles(dir: string, visibleDir: string, caCertFile: string): Promise<TrustFiles> {
  const ca = join(dir, 'ca.pem');
  await copyFile(caCertFile, ca);
  await chmod(ca, 0o644);
  await writeClientBundle(join(dir, 'ca-bundle.pem'), await readFile(ca, 'utf8'));
  const seen = (name: string): string => join(visibleDir, name);
  await writeFile(join(dir, 'wgetrc'), `# written by sluice run\nca_certificate = ${seen('ca-bundle.pem')}\nuse_proxy = on\n`, { mode: 0o644 });
  const java = await writeJavaTrustStore(join(dir, 'java-trust.p12'), ca);
  if (java) await chmod(join(dir, 'java-trust.p12'), 0o644);
  return {
    caCert: seen('ca.pem'),
    bundle: seen('ca-bundle.pem'),
    wgetrc: seen('wgetrc'),
    ...(java ? { javaTrustStore: seen('java-trust.p12') } : {}),
  };
}
