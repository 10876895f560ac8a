/**
 * A PKCS#12 trust store for the JVM: the JDK's own roots plus the Sluice CA. Setting
 * javax.net.ssl.trustStore *replaces* the JDK's roots, hence the copy. Built with the
 * JDK's keytool, only when one is on the PATH (no JDK, no Java client to serve), and
 * kept in the trust folder (one per CA, checked to be ours) keyed by the JDK's store,
 * since keytool costs a JVM start (~0.5 s).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from './find-on-path.js';

const run = promisify(execFile);

/**
 * Write the store to `dest`; resolves false (and writes nothing) when there is no
 * keytool or no JDK cacerts beside it: the caller then sets no Java options.
 *
 * @example
 * if (await writeJavaTrustStore(tmp, '/tmp/sluice-trust-0-ab/ca.pem', '/tmp/sluice-trust-0-ab')) env.JAVA_TOOL_OPTIONS = ...;
 */
export async function writeJavaTrustStore(dest: string, caFile: string, cacheDir: string): Promise<boolean> {
  const keytool = await findOnPath('keytool');
  if (!keytool) return false;
  const home = dirname(dirname(await realpath(keytool)));
  const cacerts = join(home, 'lib', 'security', 'cacerts');
  const st = await stat(cacerts).catch(() => undefined);
  if (!st) return false;
  const key = createHash('sha256').update(`${cacerts}\0${st.mtimeMs}\0${st.size}`).digest('hex').slice(0, 16);
  const cached = join(cacheDir, `java-trust-${key}.p12`);
  if (!(await stat(cached).catch(() => undefined))) {
    const tmp = `${cached}.${process.pid}.tmp`;
    try {
      await copyFile(cacerts, tmp);
      await run(
        keytool,
        ['-importcert', '-noprompt', '-alias', 'sluice-ca', '-file', caFile, '-keystore', tmp, '-storetype', 'PKCS12', '-storepass', 'changeit'],
        { timeout: 30_000 },
      );
      await rename(tmp, cached);
    } catch {
      await rm(tmp, { force: true });
      return false;
    }
  }
  await copyFile(cached, dest);
  return true;
}
