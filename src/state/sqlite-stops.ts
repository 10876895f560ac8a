/**
 * Kills and quarantines in the embedded SQLite database, a watched log (watched-log.ts)
 * as revocations are: a gate loads the rows other processes add (a lift is a row too),
 * registers in `stop_participants` and acknowledges each load once its listeners ended
 * what it stops, so `sluice kill` and `sluice quarantine` return once every running
 * gate applied them.
 *
 * @example
 * const stops = SqliteStopStore.open(dataDir, { participant: 'gate' });
 * stops.onChange(() => exchanges.sweep());
 */
import type { Statement } from 'better-sqlite3';
import { checkName, checkText } from '../identity/names.js';
import { InvalidArgumentError } from '../identity/errors.js';
import type { Host } from '../net/host.js';
import { stateError } from './sqlite-db.js';
import { StopSnapshot } from './stop-snapshot.js';
import { parseQuarantineTarget } from './stop-target.js';
import type { KillEntry, QuarantineEntry, StopLift, StopStore } from './stops.js';
import { WatchedLog, type WatchedLogOptions } from './watched-log.js';

export type SqliteStopOptions = WatchedLogOptions;

const SCHEMA = [
  `CREATE TABLE stops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('kill', 'quarantine', 'lift')),
    tenant TEXT,
    target TEXT,
    reason TEXT,
    at INTEGER NOT NULL,
    expires_at INTEGER,
    lifts INTEGER
  )`,
];

interface Row {
  id: number;
  kind: 'kill' | 'quarantine' | 'lift';
  tenant: string | null;
  target: string | null;
  reason: string | null;
  at: number;
  expires_at: number | null;
  lifts: number | null;
}

const COLUMNS = 'id, kind, tenant, target, reason, at, expires_at, lifts';
/** Not lifted (expired ones included: a lift by target still lifts them, and the list hides them). */
const IN_FORCE = 'NOT EXISTS (SELECT 1 FROM stops l WHERE l.lifts = s.id)';

const STOPS_LOG = {
  table: 'stops',
  schema: SCHEMA,
  columns: COLUMNS,
  what: 'the kill switch and quarantines',
  store: 'stop store (kill switch, quarantines)',
  ledger: 'stop_participants',
} as const;

export class SqliteStopStore implements StopStore {
  readonly #log: WatchedLog<Row, []>;
  readonly #snapshot = new StopSnapshot();
  readonly #insert: Statement<[string, string | null, string | null, string | null, number, number | null, number | null]>;

  static open(dataDir: string, opts: SqliteStopOptions = {}): SqliteStopStore {
    return new SqliteStopStore(dataDir, opts);
  }

  private constructor(dataDir: string, opts: SqliteStopOptions) {
    this.#log = WatchedLog.open(dataDir, { ...STOPS_LOG, apply: (rows, log) => this.#apply(rows, log) }, opts);
    try {
      this.#insert = this.#log.db.prepare('INSERT INTO stops (kind, tenant, target, reason, at, expires_at, lifts) VALUES (?, ?, ?, ?, ?, ?, ?)');
    } catch (err) {
      void this.#log.close();
      throw stateError(this.#log.db.name, err);
    }
  }

  kill(r: { tenant?: string | null; reason?: string | null }): Promise<KillEntry> {
    return this.#log.write(() => {
      const tenant = r.tenant == null ? null : checkName('tenant', r.tenant);
      const reason = r.reason == null ? null : checkText('reason', r.reason);
      const id = this.#add('kill', tenant, null, reason, null);
      return this.#snapshot.kills().find((k) => k.id === id) ?? this.#log.unread(id);
    });
  }

  unkill(tenant: string | null): Promise<StopLift<KillEntry> | null> {
    return this.#log.write(() => {
      const scope = tenant === null ? null : checkName('tenant', tenant);
      const rows = this.#log.db.prepare<[string | null], Row>(`SELECT ${COLUMNS} FROM stops s WHERE kind = 'kill' AND tenant IS ? AND ${IN_FORCE} ORDER BY id`);
      return this.#liftRows(() => rows.all(scope), killOf);
    });
  }

  quarantine(r: { target: string; reason?: string | null; forMs?: number | null }): Promise<QuarantineEntry> {
    return this.#log.write(() => {
      const target = parseQuarantineTarget(r.target).text;
      const reason = r.reason == null ? null : checkText('reason', r.reason);
      if (r.forMs != null && (!Number.isSafeInteger(r.forMs) || r.forMs <= 0)) throw new InvalidArgumentError('for', 'expected a positive duration');
      const at = this.#log.now();
      const id = this.#add('quarantine', null, target, reason, r.forMs == null ? null : at + r.forMs);
      return this.#snapshot.quarantines(at).find((q) => q.id === id) ?? this.#log.unread(id);
    });
  }

  lift(idOrTarget: string): Promise<StopLift<QuarantineEntry> | null> {
    return this.#log.write(() => {
      const byId = /^q([0-9]{1,15})$/.exec(idOrTarget.trim());
      const where = byId ? 'id = ?' : 'target = ?';
      const key: string | number = byId ? Number(byId[1]) : parseQuarantineTarget(idOrTarget).text;
      const st = this.#log.db.prepare<[string | number], Row>(
        `SELECT ${COLUMNS} FROM stops s WHERE kind = 'quarantine' AND ${where} AND ${IN_FORCE} ORDER BY id`,
      );
      const rows = (): Row[] => st.all(key);
      return this.#liftRows(rows, quarantineOf);
    });
  }

  killedFor(tenant: string | null): KillEntry | null {
    this.#log.assertCurrent();
    return this.#snapshot.killedFor(tenant);
  }

  quarantined(host: Host): QuarantineEntry | null {
    return this.#snapshot.quarantined(host, this.#log.assertCurrent());
  }

  kills(): KillEntry[] {
    return this.#snapshot.kills();
  }

  quarantines(): QuarantineEntry[] {
    return this.#snapshot.quarantines(this.#log.now());
  }

  awaitApplied(entry: { readonly id: string }, timeoutMs: number): Promise<string[]> {
    return this.#log.awaitApplied(entry.id, timeoutMs);
  }

  onChange(listener: () => void): () => void {
    return this.#log.onChange(listener);
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  #add(kind: Row['kind'], tenant: string | null, target: string | null, reason: string | null, expiresAt: number | null): string {
    const id = Number(this.#insert.run(kind, tenant, target, reason, this.#log.now(), expiresAt, null).lastInsertRowid);
    this.#log.load();
    return String(id);
  }

  /** Lift the rows `find` returns in one IMMEDIATE transaction (two lifts cannot both report one entry). */
  #liftRows<E>(find: () => Row[], entryOf: (r: Row) => E): StopLift<E> | null {
    const run = this.#log.db.transaction((): { rows: Row[]; last: number } => {
      const rows = find();
      let last = 0;
      for (const r of rows) last = Number(this.#insert.run('lift', r.tenant, r.target, null, this.#log.now(), null, r.id).lastInsertRowid);
      return { rows, last };
    });
    const { rows, last } = run.immediate();
    this.#log.load();
    return rows.length === 0 ? null : { id: String(last), lifted: rows.map(entryOf) };
  }

  #apply(rows: Row[], log: WatchedLog<Row, []>): void {
    for (const row of rows) {
      if (row.kind === 'lift') this.#snapshot.remove(String(row.lifts));
      else if (row.kind === 'kill') this.#snapshot.addKill(killOf(row));
      else this.#snapshot.addQuarantine(quarantineOf(row));
    }
    log.notify();
  }
}

function killOf(r: Row): KillEntry {
  return Object.freeze({ id: String(r.id), tenant: r.tenant, reason: r.reason, at: r.at });
}

function quarantineOf(r: Row): QuarantineEntry {
  return Object.freeze({ id: String(r.id), target: r.target ?? '', reason: r.reason, at: r.at, expiresAt: r.expires_at });
}
