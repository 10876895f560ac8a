/**
 * SQLite files that only the gate's user may read (state.db, audit.db and their -wal
 * and -shm), created with that mode by SQLite itself.
 *
 * Why not create the file first with open(2)/close(2): POSIX record locks belong to
 * the process and are all released when ANY descriptor of the file is closed. A store
 * opened after another one (the gate opens state.db several times) would drop the
 * first connection's locks; then an operator's `sqlite3` shell, closing as the "last"
 * connection, deletes the WAL and -shm under the running gate, which from then on
 * reads a stale shared-memory index and never sees another process's write (a
 * revocation). So the file is never opened outside SQLite: the umask is narrowed
 * around SQLite's own open, and the mode is checked (chmod by path, no descriptor).
 * SQLite gives -wal and -shm the mode of the database file.
 *
 * @example
 * const db = openPrivateSqlite('/var/lib/sluice/state.db');
 * const id = fileIdentity(db.name); // { dev, ino } to notice a replaced file later
 */
import { chmodSync, statSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';

export interface FileIdentity {
  dev: number;
  ino: number;
}

/**
 * Open (creating if missing) `file` with SQLite, mode 0600 for it and its -wal/-shm.
 * Throws what better-sqlite3 throws; callers name the file in their own error.
 */
/** Every database file this process opened through openPrivateSqlite (see heldBySqlite). */
const opened = new Set<string>();

export function openPrivateSqlite(file: string, options?: Database.Options): Db {
  // process.umask() cannot be set from a worker thread; there the chmod below does it
  // (a worker only opens files the main thread created first).
  const old = isMainThread ? process.umask(0o077) : null;
  let db: Db;
  try {
    db = new Database(file, options);
  } finally {
    if (old !== null) process.umask(old);
  }
  try {
    tightenModes(file);
    opened.add(file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** chmod 0600 `file` and its -wal/-shm/-journal where they exist with a looser mode (by path: no descriptor is opened). */
export function tightenModes(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    let mode: number;
    try {
      mode = statSync(f).mode;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if ((mode & 0o077) !== 0) chmodSync(f, 0o600);
  }
}

/**
 * Which database file of this process `st` (a stat of some path) is, itself or its
 * -shm/-wal, or null. Code that reads arbitrary files (a `file:` secret reference)
 * must refuse these: reading one opens and closes a descriptor of it, which drops the
 * process's SQLite locks exactly as described above. Stat by path only.
 */
export function heldBySqlite(st: FileIdentity): string | null {
  for (const db of opened) {
    for (const f of [db, `${db}-shm`, `${db}-wal`]) {
      const id = fileIdentity(f);
      if (id !== null && id.dev === st.dev && id.ino === st.ino) return f;
    }
  }
  return null;
}

/** The file's device and inode (stat by path), or null when it does not exist. */
export function fileIdentity(file: string): FileIdentity | null {
  try {
    const st = statSync(file);
    return { dev: st.dev, ino: st.ino };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Why the file at `file` is no longer the one opened as `opened`: 'removed', 'replaced',
 * or null when it still is. A connection to an unlinked or renamed-over file keeps
 * working on the old inode, where no other process reads or writes.
 */
export function fileMoved(file: string, opened: FileIdentity): 'removed' | 'replaced' | null {
  const now = fileIdentity(file);
  if (now === null) return 'removed';
  return now.dev === opened.dev && now.ino === opened.ino ? null : 'replaced';
}
