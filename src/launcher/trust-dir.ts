/**
 * The folder a run's trust files live in: one per user and Sluice CA, in the temp
 * folder, reused across runs (the Java store costs a JVM start to build) and outside
 * the data directory (an agent that may not read the data directory still reads
 * these). A folder in a shared /tmp can be planted by another user before us, so an
 * existing one is used only when it is a real folder, ours, and writable by no one
 * else; otherwise the run stops rather than trust what someone else put there.
 */
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError } from '../usage-error.js';

/**
 * @example
 * const dir = await trustDir('/srv/sluice/data/ca.pem'); // /tmp/sluice-trust-1000-3f2a9c...
 */
export async function trustDir(caCertFile: string): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  const hash = createHash('sha256')
    .update(await readFile(caCertFile))
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), `sluice-trust-${uid}-${hash}`);
  try {
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    return dir;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = await lstat(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
    throw new CommandError(`refusing to use ${dir}: it is not a folder owned by uid ${uid} and writable only by it; remove it and run again`);
  }
  return dir;
}
