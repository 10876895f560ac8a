/**
 * Kills and quarantines in the embedded SQLite database, watched the way revocations
 * are (sqlite-revocations.ts): every `pollMs` a gate reads `PRAGMA data_version` and,
 * when another connection committed, loads the rows added since its last load (ids
 * only grow; a lift is a row too). A gate registers in `stop_participants` and
 * acknowledges each load once its listeners ended what it stops, so `sluice kill`
 * and `sluice quarantine` return once every running gate applied them.
 *
 * @example
 * const stops = SqliteStopStore.open(dataDir, { participant: 'gate' });
 * stops.onChange(() => exchanges.sweep());
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { ErrorCode, SluiceError } from '../errors.js';
import { checkName, checkText } from '../identity/names.js';
import { InvalidArgumentError } from '../identity/errors.js';
import type { Host } from '../net/host.js';
import { Participant, waitForParticipants, type ParticipantKind } from './participants.js';
import { fileIdentity, type FileIdentity } from './private-sqlite.js';
import { assertStateFile, BUSY_TIMEOUT_MS, openStateTables, stateError } from './sqlite-db.js';
import { StopSnapshot } from './stop-snapshot.js';
import { parseQuarantineTarget } from './stop-target.js';
import type { KillEntry, QuarantineEntry, StopLift, StopStore } from './stops.js';

export interface SqliteStopOptions {
  /** How often to look for other processes' writes, ms; default 100. */
  pollMs?: number;
  /** Watch for other writers; default true. A one-shot CLI passes false. */
  watch?: boolean;
  /** How long the database may stay unreadable before reads throw; default 5000 ms. */
  maxStaleMs?: number;
  onError?: (err: unknown) => void;
  now?: () => number;
  /** Register as a process that enforces stops (a gate): acknowledge each load. Needs `watch`. */
  participant?: ParticipantKind;
}

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

export class SqliteStopStore implements StopStore {
  readonly #db: Db;
  readonly #snapshot = new StopSnapshot();
  readonly #listeners = new Set<() => void>();
  readonly #insert: Statement<[string, string | null, string | null, string | null, number, number | null, number | null]>;
  readonly #since: Statement<[number], Row>;
  readonly #dataVersion: Statement<[], number>;
  readonly #timer: NodeJS.Timeout | null;
  readonly #maxStaleMs: number;
  readonly #onError: (err: unknown) => void;
  readonly #now: () => number;
  readonly #participant: Participant | null;
  readonly #opened: FileIdentity | null;
  #lastId = 0;
  #polledAt = 0;
  #overdueMs = Infinity;
  #version: number;
  #failingSince: number | null = null;
  #lost: SluiceError | null = null;
  #closed = false;

  static open(dataDir: string, opts: SqliteStopOptions = {}): SqliteStopStore {
    const db = openStateTables(dataDir, 'stops', SCHEMA, opts.watch === false ? { busyTimeoutMs: BUSY_TIMEOUT_MS } : {});
    try {
      return new SqliteStopStore(db, dataDir, opts);
    } catch (err) {
      db.close();
      throw stateError(db.name, err);
    }
  }

  private constructor(db: Db, dataDir: string, opts: SqliteStopOptions) {
    this.#db = db;
    this.#opened = fileIdentity(db.name);
    this.#maxStaleMs = opts.maxStaleMs ?? 5000;
    this.#onError = opts.onError ?? (() => undefined);
    this.#now = opts.now ?? Date.now;
    this.#insert = db.prepare('INSERT INTO stops (kind, tenant, target, reason, at, expires_at, lifts) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#since = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM stops WHERE id > ? ORDER BY id`);
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.#version = this.#dataVersion.get() ?? 0;
    this.#load();
    const pollMs = opts.pollMs ?? 100;
    const watch = opts.watch !== false;
    if (watch && (!Number.isFinite(pollMs) || pollMs <= 0)) throw new RangeError(`pollMs must be > 0; got ${pollMs}`);
    this.#participant =
      opts.participant !== undefined && watch ? Participant.register(dataDir, opts.participant, this.#lastId, this.#onError, 'stop_participants') : null;
    if (watch) {
      this.#timer = setInterval(() => this.#poll(), pollMs).unref();
      this.#polledAt = this.#now();
      this.#overdueMs = pollMs * 3;
    } else {
      this.#timer = null;
    }
  }

  kill(r: { tenant?: string | null; reason?: string | null }): Promise<KillEntry> {
    return this.#write(() => {
      const tenant = r.tenant == null ? null : checkName('tenant', r.tenant);
      const reason = r.reason == null ? null : checkText('reason', r.reason);
      const id = this.#add('kill', tenant, null, reason, null);
      return this.#snapshot.kills().find((k) => k.id === id) ?? this.#unread(id);
    });
  }

  unkill(tenant: string | null): Promise<StopLift<KillEntry> | null> {
    return this.#write(() => {
      const scope = tenant === null ? null : checkName('tenant', tenant);
      const rows = this.#db.prepare<[string | null], Row>(`SELECT ${COLUMNS} FROM stops s WHERE kind = 'kill' AND tenant IS ? AND ${IN_FORCE} ORDER BY id`);
      return this.#liftRows(() => rows.all(scope), killOf);
    });
  }

  quarantine(r: { target: string; reason?: string | null; forMs?: number | null }): Promise<QuarantineEntry> {
    return this.#write(() => {
      const target = parseQuarantineTarget(r.target).text;
      const reason = r.reason == null ? null : checkText('reason', r.reason);
      if (r.forMs != null && (!Number.isSafeInteger(r.forMs) || r.forMs <= 0)) throw new InvalidArgumentError('for', 'expected a positive duration');
      const at = this.#now();
      const id = this.#add('quarantine', null, target, reason, r.forMs == null ? null : at + r.forMs);
      return this.#snapshot.quarantines(at).find((q) => q.id === id) ?? this.#unread(id);
    });
  }

  lift(idOrTarget: string): Promise<StopLift<QuarantineEntry> | null> {
    return this.#write(() => {
      const byId = /^q([0-9]{1,15})$/.exec(idOrTarget.trim());
      const where = byId ? 'id = ?' : 'target = ?';
      const key: string | number = byId ? Number(byId[1]) : parseQuarantineTarget(idOrTarget).text;
      const st = this.#db.prepare<[string | number], Row>(`SELECT ${COLUMNS} FROM stops s WHERE kind = 'quarantine' AND ${where} AND ${IN_FORCE} ORDER BY id`);
      const rows = (): Row[] => st.all(key);
      return this.#liftRows(rows, quarantineOf);
    });
  }

  killedFor(tenant: string | null): KillEntry | null {
    this.#assertCurrent();
    return this.#snapshot.killedFor(tenant);
  }

  quarantined(host: Host): QuarantineEntry | null {
    return this.#snapshot.quarantined(host, this.#assertCurrent());
  }

  kills(): KillEntry[] {
    return this.#snapshot.kills();
  }

  quarantines(): QuarantineEntry[] {
    return this.#snapshot.quarantines(this.#now());
  }

  async awaitApplied(entry: { readonly id: string }, timeoutMs: number): Promise<string[]> {
    this.#assertOpen();
    try {
      const behind = await waitForParticipants(this.#db, Number(entry.id), { timeoutMs, ledger: 'stop_participants' });
      return behind.map((r) => `${r.kind} pid ${r.pid} on ${r.host} (applied up to ${r.applied_id})`);
    } catch (err) {
      throw stateError(this.#db.name, err);
    }
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#timer !== null) clearInterval(this.#timer);
      this.#participant?.leave();
      this.#listeners.clear();
      this.#db.close();
    }
    return Promise.resolve();
  }

  /** Run a write; validation errors pass through, SQLite's become STATE_UNAVAILABLE naming the file. */
  #write<T>(fn: () => T): Promise<T> {
    try {
      this.#assertOpen();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof SluiceError ? err : stateError(this.#db.name, err));
    }
  }

  #add(kind: Row['kind'], tenant: string | null, target: string | null, reason: string | null, expiresAt: number | null): string {
    const id = Number(this.#insert.run(kind, tenant, target, reason, this.#now(), expiresAt, null).lastInsertRowid);
    // Our own commit does not move our data_version: load now.
    this.#load();
    return String(id);
  }

  /** Lift the rows `find` returns in one IMMEDIATE transaction (two lifts cannot both report one entry). */
  #liftRows<E>(find: () => Row[], entryOf: (r: Row) => E): StopLift<E> | null {
    const run = this.#db.transaction((): { rows: Row[]; last: number } => {
      const rows = find();
      let last = 0;
      for (const r of rows) last = Number(this.#insert.run('lift', r.tenant, r.target, null, this.#now(), null, r.id).lastInsertRowid);
      return { rows, last };
    });
    const { rows, last } = run.immediate();
    this.#load();
    return rows.length === 0 ? null : { id: String(last), lifted: rows.map(entryOf) };
  }

  #unread(id: string): never {
    throw new SluiceError(ErrorCode.STATE_UNAVAILABLE, `${this.#db.name}: stop ${id} was written but not read back`);
  }

  /** As isRevoked: never answer from a snapshot that may be stale (a request refuses instead). Returns the time read. */
  #assertCurrent(): number {
    this.#assertOpen();
    const now = this.#now();
    if (now - this.#polledAt > this.#overdueMs) this.#poll();
    if (this.#failingSince !== null && now - this.#failingSince > this.#maxStaleMs) {
      throw new SluiceError(
        ErrorCode.STATE_UNAVAILABLE,
        `${this.#db.name}: the kill switch and quarantines could not be read for ${now - this.#failingSince}ms; refusing rather than answer from a stale list`,
        { file: this.#db.name },
      );
    }
    if (this.#lost !== null) throw this.#lost;
    return now;
  }

  #poll(): void {
    if (this.#closed) return;
    this.#polledAt = this.#now();
    try {
      if (this.#opened !== null) this.#checkFile(this.#opened);
      const v = this.#dataVersion.get() ?? 0;
      if (v !== this.#version || this.#failingSince !== null) {
        this.#version = v;
        this.#load();
      }
      this.#failingSince = null;
    } catch (err) {
      if (err === this.#lost) return;
      this.#failingSince ??= this.#now();
      this.#onError(stateError(this.#db.name, err));
    }
  }

  #checkFile(opened: FileIdentity): void {
    try {
      assertStateFile(this.#db.name, opened);
    } catch (err) {
      const now = err as SluiceError;
      const lost = this.#lost !== null && this.#lost.details.cause === now.details.cause ? this.#lost : now;
      if (lost !== this.#lost) {
        this.#lost = lost;
        this.#onError(lost);
      }
      throw lost;
    }
    this.#lost = null;
  }

  #load(): void {
    const rows = this.#since.all(this.#lastId);
    for (const row of rows) {
      this.#lastId = row.id;
      if (row.kind === 'lift') this.#snapshot.remove(String(row.lifts));
      else if (row.kind === 'kill') this.#snapshot.addKill(killOf(row));
      else this.#snapshot.addQuarantine(quarantineOf(row));
    }
    if (rows.length > 0) {
      for (const listener of [...this.#listeners]) {
        try {
          listener();
        } catch (err) {
          this.#onError(err);
        }
      }
    }
    // Applied (in the snapshot, and every listener ended what it stops): tell the CLI.
    this.#participant?.ack(this.#lastId);
  }

  #assertOpen(): void {
    if (this.#closed) throw new SluiceError(ErrorCode.STATE_UNAVAILABLE, 'the stop store (kill switch, quarantines) is closed');
  }
}

function killOf(r: Row): KillEntry {
  return Object.freeze({ id: String(r.id), tenant: r.tenant, reason: r.reason, at: r.at });
}

function quarantineOf(r: Row): QuarantineEntry {
  return Object.freeze({ id: String(r.id), target: r.target ?? '', reason: r.reason, at: r.at, expiresAt: r.expires_at });
}
