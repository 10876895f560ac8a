/**
 * Owner-only files written so that readers see the old file or the new one, never
 * half of one, and the bytes never sit in a file with a looser mode: the temp file
 * is created 0600 by the same open(2) that creates it (O_CREAT|O_EXCL).
 *
 * @example
 * await writePrivateFile('/data/secrets.json', json);           // temp + fsync + rename
 * const created = await createPrivateFileOnce('/data/master.key', key); // false if it already existed
 */
import { chmod, link, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { tempSibling } from '../temp-files.js';

async function writeNew(path: string, data: string | Buffer): Promise<void> {
  const fh = await open(path, 'wx', 0o600);
  try {
    // The umask may have narrowed the mode; 0600 is what we promise, no more, no less.
    await fh.chmod(0o600);
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replace `path` atomically with `data` (mode 0600). `beforeRename` runs once the new
 * bytes are on disk, just before they replace the old file; throwing there (a
 * compare-and-swap that finds the file changed) leaves the old file and no temp file.
 */
export async function writePrivateFile(path: string, data: string | Buffer, beforeRename?: () => Promise<void>): Promise<void> {
  const tmp = tempSibling(path);
  try {
    await writeNew(tmp, data);
    await beforeRename?.();
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await chmod(path, 0o600);
}

/**
 * Create `path` (mode 0600) with `data` unless it exists. The temp file is
 * hard-linked into place, which fails with EEXIST instead of replacing a file
 * another process created meanwhile. Returns whether this call created it.
 */
export async function createPrivateFileOnce(path: string, data: string | Buffer): Promise<boolean> {
  const tmp = tempSibling(path);
  try {
    await writeNew(tmp, data);
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Remove the temp siblings of `path` a crashed writer left behind (`.NAME.<pid>.<hex>.tmp`,
 * or `.NAME.<hex>.tmp` from before the pid was in the name).
 * With `olderThanMs` 0, call it only while no other writer of `path` can be running
 * (holding its lock); otherwise only temp files at least that old are removed (a live
 * writer's exists for milliseconds). Returns how many were removed.
 */
export async function removeLeftoverTemps(path: string, olderThanMs = 0): Promise<number> {
  const prefix = `.${basename(path)}.`;
  const shape = /^(?:\d{1,10}\.)?[0-9a-f]{12}\.tmp$/;
  let removed = 0;
  for (const name of await readdir(dirname(path)).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || !shape.test(name.slice(prefix.length))) continue;
    const tmp = join(dirname(path), name);
    if (olderThanMs > 0) {
      const st = await stat(tmp).catch(() => null);
      if (st === null || Date.now() - st.mtimeMs < olderThanMs) continue;
    }
    await rm(tmp, { force: true });
    removed++;
  }
  return removed;
}
