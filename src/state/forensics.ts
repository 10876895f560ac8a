/**
 * Forensics mode for a session: `sluice forensics start --session S` adds a row the
 * running gate picks up (a watched log in `state.db`, as the kill switch and
 * quarantines are: state/watched-log.ts), and from then on the gate keeps that
 * session's full exchanges, redacted, for incident review (proxy/forensics-capture.ts).
 * A stop is a row too, so the log only grows; an entry with `--for` ends by itself.
 *
 * @example
 * const f = SqliteForensicsStore.open(dataDir);
 * await f.start({ session: 'ses_1', forMs: 3_600_000, reason: 'INC-42' });
 * f.active('ses_1'); // the entry
 */
import type { Statement } from 'better-sqlite3';
import { InvalidArgumentError } from '../identity/errors.js';
import { checkName, checkText } from '../identity/names.js';
import { stateError } from './sqlite-db.js';
import { WatchedLog, type WatchedLogOptions } from './watched-log.js';

/** One session under forensics. */
export interface ForensicsEntry {
  readonly id: string;
  readonly session: string;
  readonly reason: string | null;
  /** Epoch ms. */
  readonly at: number;
  /** Epoch ms; null until stopped. */
  readonly expiresAt: number | null;
}

/** What the gate asks (is this session recorded?) and the CLI writes. */
export interface ForensicsStore {
  /** Record `session`'s exchanges from now on (until stopped, or for `forMs`). */
  start(r: { session: string; reason?: string | null; forMs?: number | null }): Promise<ForensicsEntry>;
  /** Stop recording `session`; null when it was not being recorded. */
  stop(session: string): Promise<ForensicsEntry | null>;
  /** The session's entry in force now, or null. */
  active(session: string): ForensicsEntry | null;
  /** Every entry in force now. */
  list(): ForensicsEntry[];
  close(): Promise<void>;
}

const SCHEMA = [
  `CREATE TABLE forensics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('start', 'stop')),
    session TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL,
    expires_at INTEGER
  )`,
];

interface Row {
  id: number;
  kind: 'start' | 'stop';
  session: string;
  reason: string | null;
  at: number;
  expires_at: number | null;
}

const LOG = {
  table: 'forensics',
  schema: SCHEMA,
  columns: 'id, kind, session, reason, at, expires_at',
  what: 'the forensics sessions',
  store: 'forensics store',
} as const;

export class SqliteForensicsStore implements ForensicsStore {
  readonly #log: WatchedLog<Row, []>;
  /** The latest start per session, removed by a stop. */
  readonly #active = new Map<string, ForensicsEntry>();
  readonly #insert: Statement<[string, string, string | null, number, number | null]>;

  static open(dataDir: string, opts: WatchedLogOptions = {}): SqliteForensicsStore {
    return new SqliteForensicsStore(dataDir, opts);
  }

  private constructor(dataDir: string, opts: WatchedLogOptions) {
    this.#log = WatchedLog.open(dataDir, { ...LOG, apply: (rows) => this.#apply(rows) }, opts);
    try {
      this.#insert = this.#log.db.prepare('INSERT INTO forensics (kind, session, reason, at, expires_at) VALUES (?, ?, ?, ?, ?)');
    } catch (err) {
      void this.#log.close();
      throw stateError(this.#log.db.name, err);
    }
  }

  start(r: { session: string; reason?: string | null; forMs?: number | null }): Promise<ForensicsEntry> {
    return this.#log.write(() => {
      const session = checkName('session', r.session);
      const reason = r.reason == null ? null : checkText('reason', r.reason);
      if (r.forMs != null && (!Number.isSafeInteger(r.forMs) || r.forMs <= 0)) throw new InvalidArgumentError('for', 'expected a positive duration');
      const at = this.#log.now();
      this.#insert.run('start', session, reason, at, r.forMs == null ? null : at + r.forMs);
      this.#log.load();
      return this.#active.get(session)!;
    });
  }

  stop(session: string): Promise<ForensicsEntry | null> {
    return this.#log.write(() => {
      const name = checkName('session', session);
      const was = this.active(name);
      if (was === null) return null;
      this.#insert.run('stop', name, null, this.#log.now(), null);
      this.#log.load();
      return was;
    });
  }

  active(session: string): ForensicsEntry | null {
    const now = this.#log.assertCurrent();
    const e = this.#active.get(session);
    return e === undefined || (e.expiresAt !== null && e.expiresAt <= now) ? null : e;
  }

  list(): ForensicsEntry[] {
    const now = this.#log.now();
    return [...this.#active.values()].filter((e) => e.expiresAt === null || e.expiresAt > now);
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  #apply(rows: Row[]): void {
    for (const r of rows) {
      if (r.kind === 'stop') this.#active.delete(r.session);
      else this.#active.set(r.session, Object.freeze({ id: String(r.id), session: r.session, reason: r.reason, at: r.at, expiresAt: r.expires_at }));
    }
  }
}
