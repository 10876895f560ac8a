/**
 * Opening `<dataDir>/state.db`, the embedded state shared by the gate and the CLI
 * (separate processes): WAL so readers never block the writer, a busy timeout so
 * two writers queue instead of failing, FULL sync because a revocation that a
 * power cut forgets is a security bug. Each component migrates its own tables and
 * records its version in `schema_version`.
 *
 * @example
 * const db = openStateDb(dataDir);
 * migrate(db, 'revocations', [(d) => d.exec('CREATE TABLE ...')]);
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { ErrorCode, SluiceError } from '../errors.js';

export const STATE_DB_FILE = 'state.db';
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Open (creating if missing, mode 0600 in a 0700 folder) the state database.
 * Throws SluiceError(STATE_UNAVAILABLE) naming the file.
 *
 * @example
 * const db = openStateDb('/var/lib/sluice');
 */
export function openStateDb(dataDir: string): Db {
  const file = join(dataDir, STATE_DB_FILE);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // Create the file ourselves so it gets 0600; SQLite gives -wal and -shm the same mode.
    closeSync(openSync(file, 'a', 0o600));
    const db = new Database(file);
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec('CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
    } catch (err) {
      db.close();
      throw err;
    }
    return db;
  } catch (err) {
    throw stateError(file, err);
  }
}

/**
 * Bring `component`'s tables to `steps.length` (step i moves version i to i+1), in one
 * IMMEDIATE transaction so two processes opening a fresh file do not both migrate.
 * Refuses a database written by a newer Sluice.
 *
 * @example
 * migrate(db, 'revocations', [(d) => d.exec('CREATE TABLE revocations (...)')]);
 */
export function migrate(db: Db, component: string, steps: ReadonlyArray<(db: Db) => void>): void {
  const target = steps.length;
  const run = db.transaction(() => {
    const row = db.prepare('SELECT version FROM schema_version WHERE component = ?').pluck().get(component) as number | undefined;
    const current = row ?? 0;
    if (current > target) {
      throw new SluiceError(
        ErrorCode.STATE_UNAVAILABLE,
        `${db.name}: ${component} schema is version ${current}, newer than this Sluice knows (${target}); upgrade Sluice`,
        { file: db.name },
      );
    }
    for (let v = current; v < target; v++) steps[v]?.(db);
    db.prepare('INSERT INTO schema_version (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version').run(
      component,
      target,
    );
  });
  run.immediate();
}

/**
 * SluiceError(STATE_UNAVAILABLE) naming the file and SQLite's code; SQLite messages
 * can quote SQL, never a secret, but the code is all a person needs.
 *
 * @example
 * throw stateError(db.name, err);
 */
export function stateError(file: string, err: unknown): SluiceError {
  if (err instanceof SluiceError) return err;
  const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : 'unknown error';
  return new SluiceError(ErrorCode.STATE_UNAVAILABLE, `${file}: state database unavailable (${code})`, { file, cause: code });
}
