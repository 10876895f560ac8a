/**
 * A PKCS#12 trust store for the JVM: the JDK's own roots plus the Sluice CA. Setting
 * javax.net.ssl.trustStore *replaces* the JDK's roots, hence the copy. Built with the
 * JDK's keytool, only when one is on the PATH (no JDK, no Java client to serve), and
 * cached by content in the temp folder since keytool costs a JVM start (~0.5 s).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Write the store to `dest`; resolves false (and writes nothing) when there is no
 * keytool or no JDK cacerts beside it: the caller then sets no Java options.
 *
 * @example
 * if (await writeJavaTrustStore('/tmp/run/java-trust.p12', caPem)) env.JAVA_TOOL_OPTIONS = ...;
 */
export async function writeJavaTrustStore(dest: string, caFile: string): Promise<boolean> {
  const keytool = await onPath('keytool');
  if (!keytool) return false;
  const home = dirname(dirname(await realpath(keytool)));
  const cacerts = join(home, 'lib', 'security', 'cacerts');
  const st = await stat(cacerts).catch(() => undefined);
  if (!st) return false;
  const key = createHash('sha256')
    .update(await readFile(caFile))
    .update(`${cacerts}\0${st.mtimeMs}\0${st.size}\0${process.getuid?.() ?? ''}`)
    .digest('hex')
    .slice(0, 24);
  const cached = join(tmpdir(), `sluice-java-trust-${key}.p12`);
  if (!(await stat(cached).catch(() => undefined))) {
    const tmp = `${cached}.${process.pid}.tmp`;
    try {
      await copyFile(cacerts, tmp);
      await run(keytool, ['-importcert', '-noprompt', '-alias', 'sluice-ca', '-file', caFile, '-keystore', tmp, '-storetype', 'PKCS12', '-storepass', 'changeit'], { timeout: 30_000 });
      await rename(tmp, cached);
    } catch {
      await rm(tmp, { force: true });
      return false;
    }
  }
  await copyFile(cached, dest);
  return true;
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (await stat(p).then((s) => s.isFile(), () => false)) return p;
  }
  return undefined;
}
