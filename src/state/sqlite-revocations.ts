/**
 * Revocations in the embedded SQLite database. The gate and `sluice revoke` are
 * different processes, so the table is a watched log (watched-log.ts): the gate loads
 * the rows other processes add (an undo is a row too) into the snapshot, and
 * acknowledges them so `sluice revoke` returns once every gate applied them.
 *
 * @example
 * const store = SqliteRevocationStore.open(dataDir);
 * store.onChange((added) => log.info({ added }, 'revocations'));
 */
import type { Statement } from 'better-sqlite3';
import type { Principal } from '../identity/principal.js';
import { checkName, checkText } from '../identity/names.js';
import { InvalidArgumentError } from '../identity/errors.js';
import { applyRevocationRows, revocationEntryOf, RevocationSnapshot, type RevocationRow } from './revocation-snapshot.js';
import { REVOCATION_KINDS } from './revocations.js';
import type { RevocationEntry, RevocationRequest, RevocationStore, RevocationTarget, RevocationUndo } from './revocations.js';
import { stateError } from './sqlite-db.js';
import { WatchedLog, type WatchedLogOptions } from './watched-log.js';

/** How the gate watches (`pollMs`, `maxStaleMs`), or a one-shot CLI does not (`watch: false`); `participant` makes `sluice revoke` wait for this process. */
export type SqliteRevocationOptions = WatchedLogOptions;

const SCHEMA = [
  `CREATE TABLE revocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('session', 'agent', 'token')),
    value TEXT NOT NULL,
    tenant TEXT,
    reason TEXT,
    revoked_at INTEGER NOT NULL
  )`,
  // An undo is a row too (ids only grow, so every process's incremental load sees it):
  // the same kind, value and tenant, and the id of the revocation it lifts.
  'ALTER TABLE revocations ADD COLUMN undoes INTEGER',
];

type Row = RevocationRow;

const COLUMNS = 'id, kind, value, tenant, reason, revoked_at, undoes';

const REVOCATIONS_LOG = { table: 'revocations', schema: SCHEMA, columns: COLUMNS, what: 'revocations', store: 'revocation store' } as const;

export class SqliteRevocationStore implements RevocationStore {
  readonly #log: WatchedLog<Row, [added: RevocationEntry[]]>;
  readonly #snapshot = new RevocationSnapshot();
  readonly #insert: Statement<[string, string, string | null, string | null, number]>;
  readonly #inForce: Statement<[string, string, string | null], Row>;
  readonly #insertUndo: Statement<[string, string, string | null, number, number]>;

  /**
   * Open the store in `dataDir` (creating `state.db` and its tables if missing) and
   * load every revocation.
   *
   * @example
   * const store = SqliteRevocationStore.open('/var/lib/sluice', { pollMs: 100 });
   */
  static open(dataDir: string, opts: SqliteRevocationOptions = {}): SqliteRevocationStore {
    return new SqliteRevocationStore(dataDir, opts);
  }

  private constructor(dataDir: string, opts: SqliteRevocationOptions) {
    this.#log = WatchedLog.open(dataDir, { ...REVOCATIONS_LOG, apply: (rows, log) => this.#apply(rows, log) }, opts);
    const db = this.#log.db;
    try {
      this.#insert = db.prepare('INSERT INTO revocations (kind, value, tenant, reason, revoked_at) VALUES (?, ?, ?, ?, ?)');
      this.#inForce = db.prepare<[string, string, string | null], Row>(
        `SELECT ${COLUMNS} FROM revocations r
         WHERE undoes IS NULL AND kind = ? AND value = ? AND tenant IS ?
           AND NOT EXISTS (SELECT 1 FROM revocations u WHERE u.undoes = r.id) ORDER BY id`,
      );
      this.#insertUndo = db.prepare('INSERT INTO revocations (kind, value, tenant, revoked_at, undoes) VALUES (?, ?, ?, ?, ?)');
    } catch (err) {
      void this.#log.close();
      throw stateError(db.name, err);
    }
  }

  revoke(r: RevocationRequest): Promise<RevocationEntry> {
    return this.#log.write(() => {
      if (!REVOCATION_KINDS.includes(r.kind)) throw new InvalidArgumentError('kind', `expected one of ${REVOCATION_KINDS.join(', ')}`);
      const value = checkName(r.kind, r.value);
      const tenant = r.tenant == null ? null : checkName('tenant', r.tenant);
      const reason = r.reason == null ? null : checkText('reason', r.reason);
      const id = String(this.#insert.run(r.kind, value, tenant, reason, this.#log.now()).lastInsertRowid);
      // Our own commit does not move our data_version; load now.
      this.#log.load();
      return this.#snapshot.list().find((e) => e.id === id) ?? this.#log.unread(id);
    });
  }

  undo(t: RevocationTarget): Promise<RevocationUndo | null> {
    return this.#log.write(() => {
      if (!REVOCATION_KINDS.includes(t.kind)) throw new InvalidArgumentError('kind', `expected one of ${REVOCATION_KINDS.join(', ')}`);
      const value = checkName(t.kind, t.value);
      const tenant = t.tenant == null ? null : checkName('tenant', t.tenant);
      // IMMEDIATE: two undos of the same id cannot both lift (and report) the same revocation.
      const lift = this.#log.db.transaction((): { rows: Row[]; last: number } => {
        const rows = this.#inForce.all(t.kind, value, tenant);
        let last = 0;
        for (const r of rows) last = Number(this.#insertUndo.run(r.kind, r.value, r.tenant, this.#log.now(), r.id).lastInsertRowid);
        return { rows, last };
      });
      const { rows, last } = lift.immediate();
      this.#log.load();
      return rows.length === 0 ? null : { id: String(last), undone: rows.map(revocationEntryOf) };
    });
  }

  isRevoked(p: Principal): RevocationEntry | null {
    // Never from a snapshot that may be stale (watched-log.ts): one clock read per request.
    this.#log.assertCurrent();
    return this.#snapshot.match(p);
  }

  list(): RevocationEntry[] {
    return this.#snapshot.list();
  }

  awaitApplied(entry: { readonly id: string }, timeoutMs: number): Promise<string[]> {
    return this.#log.awaitApplied(entry.id, timeoutMs);
  }

  onChange(listener: (added: RevocationEntry[]) => void): () => void {
    return this.#log.onChange(listener);
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  #apply(rows: Row[], log: WatchedLog<Row, [added: RevocationEntry[]]>): void {
    const added = applyRevocationRows(rows, this.#snapshot);
    if (added.length > 0) log.notify(added);
  }
}
