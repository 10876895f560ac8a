/**
 * The paths a sandbox hides, resolved: the operator's (data directory, config, keys,
 * `file:` secrets) and the usual credential files in the caller's home directory
 * (another program's keys are no more the agent's business than Sluice's). Symlinks
 * are resolved, since a mount covers the target, and paths that do not exist are
 * skipped (there is nothing to cover; see docs/design-notes.md for what that leaves).
 */
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Relative to $HOME: SSH and GPG keys, cloud and registry credentials, git's stored passwords. */
export const HOME_CREDENTIALS: readonly string[] = [
  '.ssh',
  '.gnupg',
  '.aws',
  '.azure',
  '.config/gcloud',
  '.config/gh',
  '.kube',
  '.docker/config.json',
  '.netrc',
  '.git-credentials',
  '.npmrc',
  '.pypirc',
  '.cargo/credentials.toml',
  '.cargo/credentials',
  '.sluice',
];

export interface HiddenPath {
  path: string;
  dir: boolean;
}

/**
 * @example
 * const hide = await hiddenPaths(['/srv/sluice/data', '/etc/sluice/sluice.yaml']);
 */
export async function hiddenPaths(operatorPaths: readonly string[], as?: { uid: number; gid: number }, home = homedir()): Promise<HiddenPath[]> {
  const out = new Map<string, HiddenPath>();
  for (const p of [...operatorPaths, ...HOME_CREDENTIALS.map((r) => join(home, r))]) {
    const real = await realpath(p).catch(() => undefined);
    if (!real || out.has(real)) continue;
    // A path another uid cannot even reach needs no cover, and bubblewrap, running as that
    // uid, could not mount one there.
    if (as && !(await reachable(real, as))) continue;
    const st = await stat(real).catch(() => undefined);
    if (st) out.set(real, { path: real, dir: st.isDirectory() });
  }
  return [...out.values()];
}

/** Whether every folder above `p` lets `as` search it, by mode bits (no ACLs; no supplementary groups, which the switch drops). */
async function reachable(p: string, as: { uid: number; gid: number }): Promise<boolean> {
  for (let dir = dirname(p); ; dir = dirname(dir)) {
    const st = await stat(dir).catch(() => undefined);
    if (!st) return false;
    const bit = st.uid === as.uid ? 0o100 : st.gid === as.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    if (dir === '/') return true;
  }
}

/** The hidden path that contains `p`, if any. */
export function hiddenAbove(p: string, hide: readonly HiddenPath[]): string | undefined {
  return hide.find((h) => p === h.path || p.startsWith(`${h.path}/`))?.path;
}
