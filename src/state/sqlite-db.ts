/**
 * Opening `<dataDir>/state.db`, the embedded state shared by the gate and the CLI
 * (separate processes): WAL so readers never block the writer, a busy timeout so
 * two writers queue instead of failing, FULL sync because a revocation that a
 * power cut forgets is a security bug. Each component migrates its own tables and
 * records its version in `schema_version`.
 *
 * @example
 * const db = openStateDb(dataDir);
 * migrate(db, 'revocations', ['CREATE TABLE ...']);
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import { ErrorCode, SluiceError } from '../errors.js';
import { fileMoved, openPrivateSqlite, type FileIdentity } from './private-sqlite.js';

export const STATE_DB_FILE = 'state.db';
/** How long a one-shot CLI (`sluice revoke`) and a migration wait for another process's lock. */
export const BUSY_TIMEOUT_MS = 5000;
/**
 * How long a connection used on a serving event loop (the gate's) waits for a lock:
 * SQLite waits synchronously, so this bounds how long one statement can stall every
 * request. Past it the statement fails with SQLITE_BUSY and the caller fails closed.
 */
export const LOOP_BUSY_TIMEOUT_MS = 100;

export interface StateDbOptions {
  /** Lock wait, ms; default LOOP_BUSY_TIMEOUT_MS (a CLI that may wait passes BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
}

/**
 * Open (creating if missing, mode 0600 in a 0700 folder) the state database.
 * Throws SluiceError(STATE_UNAVAILABLE) naming the file.
 *
 * @example
 * const db = openStateDb('/var/lib/sluice');
 */
export function openStateDb(dataDir: string, opts: StateDbOptions = {}): Db {
  const file = join(dataDir, STATE_DB_FILE);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // Never open(2)/close(2) the file ourselves: closing any descriptor of it drops this
    // process's SQLite locks (see private-sqlite.ts). SQLite creates it 0600.
    const db = openPrivateSqlite(file);
    try {
      // Setting up may wait like a CLI (another gate creating the file); serving may not.
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec('CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? LOOP_BUSY_TIMEOUT_MS))}`);
    } catch (err) {
      db.close();
      throw err;
    }
    return db;
  } catch (err) {
    throw stateError(file, err);
  }
}

/** One schema version step: SQL to run, or a function for a step that needs more than SQL. */
export type SchemaStep = string | ((db: Db) => void);

/**
 * Open the state database with `component`'s tables migrated (openStateDb, then
 * migrate); the connection is closed again when migrating fails.
 *
 * @example
 * const db = openStateTables(dataDir, 'mcp_tool_pins', ['CREATE TABLE ...']);
 */
export function openStateTables(dataDir: string, component: string, steps: readonly SchemaStep[], opts: StateDbOptions = {}): Db {
  const db = openStateDb(dataDir, opts);
  try {
    migrate(db, component, steps);
    return db;
  } catch (err) {
    db.close();
    throw stateError(db.name, err);
  }
}

/**
 * Bring `component`'s tables to `steps.length` (step i moves version i to i+1), in one
 * IMMEDIATE transaction so two processes opening a fresh file do not both migrate.
 * Refuses a database written by a newer Sluice.
 *
 * @example
 * migrate(db, 'revocations', ['CREATE TABLE revocations (...)']);
 */
export function migrate(db: Db, component: string, steps: readonly SchemaStep[]): void {
  const target = steps.length;
  // A start-up step: it may wait for another process's migration like a CLI does,
  // then the connection goes back to its own (short, on a serving loop) lock wait.
  const wait = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${Math.max(wait, BUSY_TIMEOUT_MS)}`);
  try {
    migrateLocked(db, component, target, steps);
  } finally {
    db.pragma(`busy_timeout = ${wait}`);
  }
}

function migrateLocked(db: Db, component: string, target: number, steps: readonly SchemaStep[]): void {
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
    for (let v = current; v < target; v++) {
      const step = steps[v];
      if (typeof step === 'string') db.exec(step);
      else step?.(db);
    }
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
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new SluiceError(ErrorCode.STATE_UNAVAILABLE, `${file}: state database locked by another process (${code})`, { file, cause: 'locked' });
  }
  return new SluiceError(ErrorCode.STATE_UNAVAILABLE, `${file}: state database unavailable (${code})`, { file, cause: code });
}

/**
 * Throws SluiceError(STATE_UNAVAILABLE) when `file` was removed or replaced since it
 * was opened as `opened`: a connection to the old inode would go on reading and
 * writing a file no other process sees (revocations, pins lost silently). Recovery
 * needs a restart unless the same file is put back (see docs/reliability.md).
 *
 * @example
 * assertStateFile(db.name, opened);
 */
export function assertStateFile(file: string, opened: FileIdentity): void {
  const why = fileMoved(file, opened);
  if (why === null) return;
  throw new SluiceError(
    ErrorCode.STATE_UNAVAILABLE,
    `${file}: the state database was ${why} while in use; refusing until the same file is back or the gate is restarted`,
    { file, cause: why },
  );
}
