/**
 * The blast radius in `state.db`: one row per session key (its critical domains, its
 * tool-call count, when it was last seen), shared by every process on the data
 * directory (the gate and `sluice mcp`) and surviving their restarts.
 *
 * Everything is written through, at once: a critical domain is rare (a write under a
 * rule tagged `critical`), and a tool call is counted with one atomic upsert
 * (`calls = calls + 1 WHERE calls < max`), so two processes counting one session never
 * let it past its cap together. Nothing is held back, so a kill -9 loses nothing
 * written. `domains` reads the row each time (a critical write only), so a domain
 * another process recorded a moment ago counts.
 *
 * Bounded by `maxSessions`: when a new session makes the table larger, the least
 * recently seen are deleted (with a little slack, so the delete runs once per
 * `maxSessions / 64` new sessions, not for each).
 *
 * @example
 * const blast = openBlastRadiusStore(dataDir, { maxSessions: 10_000 });
 * blast.wrote('acme\u0000s1', 'db.example');
 * blast.domains('acme\u0000s1'); // ['db.example']
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { BlastRadiusStore } from './blast-radius.js';
import { openStateTables, stateError } from './sqlite-db.js';

export interface BlastRadiusStoreOptions {
  /** Sessions remembered at most (the config's `blast_radius.max_sessions`); default 10,000. */
  maxSessions?: number;
  /** Wall-clock ms (when a session was last seen). */
  now?: () => number;
}

const SCHEMA = [
  `CREATE TABLE blast_sessions (key TEXT PRIMARY KEY, domains TEXT NOT NULL DEFAULT '[]',
    calls INTEGER NOT NULL DEFAULT 0, seen INTEGER NOT NULL) WITHOUT ROWID`,
  'CREATE INDEX blast_sessions_seen ON blast_sessions (seen)',
];

/** The SQLite store; open it with openBlastRadiusStore. */
export class SqliteBlastRadius implements BlastRadiusStore {
  readonly #db: Db;
  readonly #max: number;
  readonly #slack: number;
  readonly #now: () => number;
  readonly #get: Statement<[string], { domains: string }>;
  readonly #put: Statement<[string, string, number]>;
  readonly #count: Statement<[string, number, number], { calls: number; fresh: number }>;
  readonly #rows: Statement<[], { n: number }>;
  readonly #forget: Statement<[number]>;
  /** Rows in the table as this process last knew (others add theirs: recounted before deleting). */
  #known: number;
  #closed = false;

  constructor(db: Db, opts: BlastRadiusStoreOptions = {}) {
    this.#db = db;
    this.#max = Math.max(1, opts.maxSessions ?? 10_000);
    this.#slack = Math.floor(this.#max / 64);
    this.#now = opts.now ?? Date.now;
    this.#get = db.prepare('SELECT domains FROM blast_sessions WHERE key = ?');
    this.#put = db.prepare(
      'INSERT INTO blast_sessions (key, domains, seen) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET domains = excluded.domains, seen = excluded.seen',
    );
    this.#count = db.prepare(
      `INSERT INTO blast_sessions (key, calls, seen) VALUES (?, 1, ?) ON CONFLICT (key) DO UPDATE SET calls = calls + 1, seen = excluded.seen
       WHERE calls < ? RETURNING calls, calls = 1 AND domains = '[]' AS fresh`,
    );
    this.#rows = db.prepare('SELECT count(*) AS n FROM blast_sessions');
    this.#forget = db.prepare('DELETE FROM blast_sessions WHERE key IN (SELECT key FROM blast_sessions ORDER BY seen LIMIT ?)');
    this.#known = this.#rows.get()!.n;
    this.#bound();
  }

  domains(key: string): string[] {
    return this.#guard(() => parseDomains(this.#get.get(key)?.domains));
  }

  wrote(key: string, domain: string): void {
    this.#guard(() =>
      this.#db
        .transaction(() => {
          const row = this.#get.get(key);
          const had = parseDomains(row?.domains);
          if (had.includes(domain) && row !== undefined) return;
          had.push(domain);
          this.#put.run(key, JSON.stringify(had), this.#now());
          if (row === undefined) this.#known++;
        })
        .immediate(),
    );
    this.#bound();
  }

  toolCall(key: string, max: number): boolean {
    if (max === 0) return true;
    const r = this.#guard(() => this.#count.get(key, this.#now(), max));
    if (r === undefined) return false;
    if (r.fresh === 1) {
      this.#known++;
      this.#bound();
    }
    return true;
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
    }
    return Promise.resolve();
  }

  /** Past the bound: recount (other processes add rows too) and forget the least recently seen. */
  #bound(): void {
    if (this.#known <= this.#max) return;
    this.#guard(() => {
      const n = this.#rows.get()!.n;
      const over = n - this.#max;
      this.#known = n;
      if (over <= 0) return;
      this.#known -= this.#forget.run(over + this.#slack).changes;
    });
  }

  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw stateError(this.#db.name, err);
    }
  }
}

function parseDomains(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((d): d is string => typeof d === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Open the blast radius store on `<dataDir>/state.db`. Throws SluiceError(STATE_UNAVAILABLE) naming the file.
 *
 * @example
 * const blast = openBlastRadiusStore(dir, { maxSessions: config.blast_radius.max_sessions });
 */
export function openBlastRadiusStore(dataDir: string, opts: BlastRadiusStoreOptions = {}): SqliteBlastRadius {
  const db = openStateTables(dataDir, 'blast_radius', SCHEMA);
  try {
    // WAL with NORMAL: a write survives the process being killed; a power cut may lose the last ones.
    db.pragma('synchronous = NORMAL');
    return new SqliteBlastRadius(db, opts);
  } catch (err) {
    db.close();
    throw stateError(db.name, err);
  }
}
