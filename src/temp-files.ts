/**
 * Names for the temp files of atomic writes (write `.NAME.<pid>.<hex>.tmp`, then
 * rename or link it to NAME), and the clean-up of the ones a crashed writer left.
 * The writer's pid is in the name, so two processes never share one and a left-over
 * is recognised as stale the moment its writer is gone, whatever its age.
 *
 * @example
 * const tmp = tempSibling('/data/secrets.json'); // /data/.secrets.json.4242.9f3a1c0b7e21.tmp
 * await removeStaleTemps(['/data/secrets.json', '/data/ca.pem']);
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A live writer holds its temp file for milliseconds; one this old is stale even if its pid is alive (reused). */
const STALE_LIVE_MS = 10 * 60_000;
/** Names from before the pid was added (`.NAME.<hex>.tmp`, `NAME.<hex>.tmp`): stale once this old. */
const STALE_LEGACY_MS = 60_000;

/** A fresh temp file name next to `path`, unique to this process and call. */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else); this process counts. */
export function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The writer's pid if `name` is a temp file of `target` (-1 for the legacy shape without one), else null. */
function tempOf(name: string, target: string): number | null {
  for (const prefix of [`.${target}.`, `${target}.`]) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(?:(\d{1,10})\.)?[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
    if (m) return m[1] === undefined ? -1 : Number(m[1]);
  }
  return null;
}

/**
 * Remove the temp files that crashed writers of `targets` left behind: those whose
 * writer is no longer running, and any old enough that no live write can own it.
 * Only names of the exact temp shape of a listed file are touched, so a shared folder
 * (a CA kept in /etc/ssl/...) loses nothing else. Returns the paths removed.
 */
export async function removeStaleTemps(targets: readonly string[], now = Date.now()): Promise<string[]> {
  const byDir = new Map<string, Set<string>>();
  for (const t of targets) {
    const names = byDir.get(dirname(t)) ?? new Set<string>();
    names.add(basename(t));
    byDir.set(dirname(t), names);
  }
  const removed: string[] = [];
  for (const [dir, names] of byDir) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.endsWith('.tmp')) continue;
      let pid: number | null = null;
      for (const target of names) pid ??= tempOf(name, target);
      if (pid === null) continue;
      const path = join(dir, name);
      const st = await stat(path).catch(() => null);
      if (st === null || !st.isFile()) continue;
      const age = now - st.mtimeMs;
      const stale = pid === -1 ? age >= STALE_LEGACY_MS : !alive(pid) || age >= STALE_LIVE_MS;
      if (!stale) continue;
      await rm(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}
