/**
 * One writer at a time for a file shared by processes (the secret store): every
 * `sluice secret set|rm` takes `<file>.lock`, created with O_CREAT|O_EXCL, before it
 * reads, changes and replaces the file; without it two writers each read the same
 * old file and the second rename silently drops the first one's change.
 *
 * The lock names its holder (pid, host, time, a random token). A holder that is gone
 * (its pid no longer exists on this host, or the lock is older than `staleMs`) is
 * broken by renaming the lock aside first, so two processes breaking the same stale
 * lock do not remove each other's fresh one. Waiting is bounded: past `waitMs` the
 * update fails with `credential_store_busy`, naming the holder.
 *
 * @example
 * await withFileLock('/data/secrets.json', async () => { ... read, change, write ... });
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { CredentialError } from './errors.js';

export interface FileLockOptions {
  /** How long to wait for another holder, ms; default 10 000. */
  waitMs?: number;
  /** A lock older than this is a crashed holder's, ms; default 30 000 (an update takes milliseconds). */
  staleMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  at: number;
  token: string;
}

/** Run `fn` holding `<file>.lock`; the lock is released (if still ours) whatever `fn` does. */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const lock = `${file}.lock`;
  const me: Holder = { pid: process.pid, host: hostname(), at: Date.now(), token: randomBytes(12).toString('hex') };
  await acquire(lock, me, opts.waitMs ?? 10_000, opts.staleMs ?? 30_000);
  try {
    return await fn();
  } finally {
    await release(lock, me);
  }
}

async function acquire(lock: string, me: Holder, waitMs: number, staleMs: number): Promise<void> {
  const until = Date.now() + waitMs;
  let pause = 2;
  for (;;) {
    try {
      const fh = await open(lock, 'wx', 0o600);
      try {
        await fh.writeFile(JSON.stringify({ ...me, at: Date.now() }));
      } finally {
        await fh.close();
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(lock, err);
    }
    const seen = await inspectLock(lock);
    if (seen !== null && isStale(seen, staleMs)) {
      await breakLock(lock, seen.ino);
      continue;
    }
    if (Date.now() > until) {
      const who = seen?.holder ? `pid ${seen.holder.pid} on ${seen.holder.host}` : 'another process';
      throw new CredentialError('credential_store_busy', `${lock} is held by ${who}; the update was not made (try again)`, { file: lock });
    }
    // Jittered, growing pause: many writers must not retry in lockstep.
    await new Promise((r) => setTimeout(r, pause + Math.random() * pause));
    pause = Math.min(pause * 2, 50);
  }
}

interface Seen {
  ino: number;
  mtimeMs: number;
  holder: Holder | null;
}

async function inspectLock(lock: string): Promise<Seen | null> {
  try {
    const st = await stat(lock);
    let holder: Holder | null = null;
    try {
      const h = JSON.parse(await readFile(lock, 'utf8')) as Partial<Holder>;
      if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.at === 'number' && typeof h.token === 'string') holder = h as Holder;
    } catch {
      // being written this instant, or garbage: judged by its age below
    }
    return { ino: st.ino, mtimeMs: st.mtimeMs, holder };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null; // released meanwhile: retry at once
    throw lockError(lock, err);
  }
}

function isStale(seen: Seen, staleMs: number): boolean {
  if (Date.now() - seen.mtimeMs > staleMs) return true;
  const h = seen.holder;
  if (h === null || h.host !== hostname()) return false;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Move the stale lock aside, then remove it; if what moved is not what was judged stale, put it back. */
async function breakLock(lock: string, ino: number): Promise<void> {
  const aside = `${lock}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(lock, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else broke it
    throw lockError(lock, err);
  }
  try {
    if ((await stat(aside)).ino !== ino) await link(aside, lock).catch(() => undefined); // a fresh holder's: restore it
  } finally {
    await rm(aside, { force: true });
  }
}

async function release(lock: string, me: Holder): Promise<void> {
  try {
    const h = JSON.parse(await readFile(lock, 'utf8')) as Partial<Holder>;
    if (h.token === me.token) await rm(lock, { force: true });
  } catch {
    // gone or not ours (broken as stale): nothing to release
  }
}

function lockError(lock: string, err: unknown): CredentialError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new CredentialError('credential_store_invalid', `cannot lock ${lock} (${code})`, { file: lock });
}
