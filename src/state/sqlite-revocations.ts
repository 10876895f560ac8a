/**
 * Revocations in the embedded SQLite database. The gate and `sluice revoke` are
 * different processes, so the gate watches for other writers: every `pollMs` it
 * reads `PRAGMA data_version` (a counter in shared memory that changes when another
 * connection commits; no table is read) and, when it moved, loads only the rows
 * added since the last load (ids only grow) into the snapshot.
 *
 * @example
 * const store = SqliteRevocationStore.open(dataDir);
 * store.onChange((added) => log.info({ added }, 'revocations'));
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { ErrorCode, SluiceError } from '../errors.js';
import type { Principal } from '../identity/principal.js';
import { checkName, checkText } from '../identity/names.js';
import { InvalidArgumentError } from '../identity/errors.js';
import { fileIdentity, type FileIdentity } from './private-sqlite.js';
import { RevocationSnapshot } from './revocation-snapshot.js';
import { assertStateFile, BUSY_TIMEOUT_MS } from './sqlite-db.js';
import { REVOCATION_KINDS } from './revocations.js';
import type { RevocationEntry, RevocationKind, RevocationRequest, RevocationStore, RevocationTarget, RevocationUndo } from './revocations.js';
import { openStateTables, stateError } from './sqlite-db.js';
import { Participant, waitForParticipants, type ParticipantKind } from './participants.js';

export interface SqliteRevocationOptions {
  /** How often to look for other processes' writes, ms; default 100. */
  pollMs?: number;
  /** Watch for other writers at all; default true. A one-shot CLI passes false. */
  watch?: boolean;
  /**
   * How long the database may stay unreadable before `isRevoked` throws instead of
   * answering from a snapshot that may miss revocations; default 5000 ms.
   */
  maxStaleMs?: number;
  /** Told about poll failures and throwing listeners (for the gate's log). */
  onError?: (err: unknown) => void;
  /** Clock, epoch ms; for tests. */
  now?: () => number;
  /**
   * Register this process as one that enforces revocations (a gate, a `sluice mcp`
   * wrapper): it acknowledges each revocation once its listeners have applied it, and
   * `sluice revoke` waits for that. Needs `watch`.
   */
  participant?: ParticipantKind;
}

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

interface Row {
  id: number;
  kind: RevocationKind;
  value: string;
  tenant: string | null;
  reason: string | null;
  revoked_at: number;
  /** Set on an undo row: the id of the revocation it lifts. */
  undoes: number | null;
}

export class SqliteRevocationStore implements RevocationStore {
  readonly #db: Db;
  readonly #snapshot = new RevocationSnapshot();
  readonly #listeners = new Set<(added: RevocationEntry[]) => void>();
  readonly #insert: Statement<[string, string, string | null, string | null, number]>;
  readonly #since: Statement<[number], Row>;
  readonly #inForce: Statement<[string, string, string | null], Row>;
  readonly #insertUndo: Statement<[string, string, string | null, number, number]>;
  readonly #dataVersion: Statement<[], number>;
  readonly #timer: NodeJS.Timeout | null;
  readonly #maxStaleMs: number;
  readonly #onError: (err: unknown) => void;
  readonly #now: () => number;
  readonly #participant: Participant | null;
  #lastId = 0;
  /** When the last poll ran, and after how long without one a reader polls itself. */
  #polledAt = 0;
  #overdueMs = Infinity;
  #version: number;
  #failingSince: number | null = null;
  #closed = false;
  /** The file this connection opened; a poll that finds another (or none) fails closed. */
  readonly #opened: FileIdentity | null;
  /** Set while state.db is removed or replaced: every isRevoked refuses at once. */
  #lost: SluiceError | null = null;

  /**
   * Open the store in `dataDir` (creating `state.db` and its tables if missing) and
   * load every revocation.
   *
   * @example
   * const store = SqliteRevocationStore.open('/var/lib/sluice', { pollMs: 100 });
   */
  static open(dataDir: string, opts: SqliteRevocationOptions = {}): SqliteRevocationStore {
    // A one-shot writer may wait for a lock; a watching process serves requests on this loop.
    const db = openStateTables(dataDir, 'revocations', SCHEMA, opts.watch === false ? { busyTimeoutMs: BUSY_TIMEOUT_MS } : {});
    try {
      return new SqliteRevocationStore(db, dataDir, opts);
    } catch (err) {
      db.close();
      throw stateError(db.name, err);
    }
  }

  private constructor(db: Db, dataDir: string, opts: SqliteRevocationOptions) {
    this.#db = db;
    this.#opened = fileIdentity(db.name);
    this.#maxStaleMs = opts.maxStaleMs ?? 5000;
    this.#onError = opts.onError ?? (() => undefined);
    this.#now = opts.now ?? Date.now;
    this.#insert = db.prepare('INSERT INTO revocations (kind, value, tenant, reason, revoked_at) VALUES (?, ?, ?, ?, ?)');
    this.#since = db.prepare<[number], Row>('SELECT id, kind, value, tenant, reason, revoked_at, undoes FROM revocations WHERE id > ? ORDER BY id');
    this.#inForce = db.prepare<[string, string, string | null], Row>(
      `SELECT id, kind, value, tenant, reason, revoked_at, undoes FROM revocations r
       WHERE undoes IS NULL AND kind = ? AND value = ? AND tenant IS ?
         AND NOT EXISTS (SELECT 1 FROM revocations u WHERE u.undoes = r.id) ORDER BY id`,
    );
    this.#insertUndo = db.prepare('INSERT INTO revocations (kind, value, tenant, revoked_at, undoes) VALUES (?, ?, ?, ?, ?)');
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.#version = this.#readVersion();
    this.#load();
    const pollMs = opts.pollMs ?? 100;
    if (opts.watch !== false && (!Number.isFinite(pollMs) || pollMs <= 0)) throw new RangeError(`pollMs must be > 0; got ${pollMs}`);
    // Registered before the poll starts, so a failed registration leaves no timer behind.
    this.#participant =
      opts.participant !== undefined && opts.watch !== false ? Participant.register(dataDir, opts.participant, this.#lastId, this.#onError) : null;
    if (opts.watch !== false) {
      // unref: watching revocations must never keep a process alive on its own.
      this.#timer = setInterval(() => this.#poll(), pollMs).unref();
      this.#polledAt = this.#now();
      this.#overdueMs = pollMs * 3;
    } else {
      this.#timer = null;
    }
  }

  revoke(r: RevocationRequest): Promise<RevocationEntry> {
    try {
      this.#assertOpen();
      if (!REVOCATION_KINDS.includes(r.kind)) throw new InvalidArgumentError('kind', `expected one of ${REVOCATION_KINDS.join(', ')}`);
      const value = checkName(r.kind, r.value);
      const tenant = r.tenant == null ? null : checkName('tenant', r.tenant);
      const reason = r.reason == null ? null : checkText('reason', r.reason);
      const id = Number(this.#insert.run(r.kind, value, tenant, reason, this.#now()).lastInsertRowid);
      // Our own commit does not move our data_version; load now (this also picks up any
      // other process's rows committed before ours).
      this.#load();
      const entry = this.#snapshot.list().find((e) => e.id === String(id));
      if (entry === undefined) throw new SluiceError(ErrorCode.STATE_UNAVAILABLE, `${this.#db.name}: revocation ${id} was written but not read back`);
      return Promise.resolve(entry);
    } catch (err) {
      return Promise.reject(err instanceof SluiceError ? err : stateError(this.#db.name, err));
    }
  }

  undo(t: RevocationTarget): Promise<RevocationUndo | null> {
    try {
      this.#assertOpen();
      if (!REVOCATION_KINDS.includes(t.kind)) throw new InvalidArgumentError('kind', `expected one of ${REVOCATION_KINDS.join(', ')}`);
      const value = checkName(t.kind, t.value);
      const tenant = t.tenant == null ? null : checkName('tenant', t.tenant);
      // IMMEDIATE: two undos of the same id cannot both lift (and report) the same revocation.
      const lift = this.#db.transaction((): { rows: Row[]; last: number } => {
        const rows = this.#inForce.all(t.kind, value, tenant);
        let last = 0;
        for (const r of rows) last = Number(this.#insertUndo.run(r.kind, r.value, r.tenant, this.#now(), r.id).lastInsertRowid);
        return { rows, last };
      });
      const { rows, last } = lift.immediate();
      this.#load();
      return Promise.resolve(rows.length === 0 ? null : { id: String(last), undone: rows.map(entryOf) });
    } catch (err) {
      return Promise.reject(err instanceof SluiceError ? err : stateError(this.#db.name, err));
    }
  }

  isRevoked(p: Principal): RevocationEntry | null {
    this.#assertOpen();
    // An event loop that was blocked (a long task, a paused process) serves queued
    // requests before its timers run: a request never trusts a snapshot older than
    // a few polls. One clock read per request; the poll itself only when overdue.
    if (this.#now() - this.#polledAt > this.#overdueMs) this.#poll();
    if (this.#failingSince !== null && this.#now() - this.#failingSince > this.#maxStaleMs) {
      throw new SluiceError(
        ErrorCode.STATE_UNAVAILABLE,
        `${this.#db.name}: revocations could not be read for ${this.#now() - this.#failingSince}ms; refusing rather than answer from a stale list`,
        { file: this.#db.name },
      );
    }
    if (this.#lost !== null) throw this.#lost;
    return this.#snapshot.match(p);
  }

  list(): RevocationEntry[] {
    return this.#snapshot.list();
  }

  async awaitApplied(entry: { readonly id: string }, timeoutMs: number): Promise<string[]> {
    this.#assertOpen();
    try {
      const behind = await waitForParticipants(this.#db, Number(entry.id), { timeoutMs });
      return behind.map((r) => `${r.kind} pid ${r.pid} on ${r.host} (applied up to ${r.applied_id})`);
    } catch (err) {
      throw stateError(this.#db.name, err);
    }
  }

  onChange(listener: (added: RevocationEntry[]) => void): () => void {
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

  #poll(): void {
    if (this.#closed) return;
    this.#polledAt = this.#now();
    try {
      if (this.#opened !== null) this.#checkFile(this.#opened);
      const v = this.#readVersion();
      // Load on every poll while failing, so a recovered database clears the failure.
      if (v !== this.#version || this.#failingSince !== null) {
        this.#version = v;
        this.#load();
      }
      this.#failingSince = null;
    } catch (err) {
      // A lost file has its own precise refusal (isRevoked), reported once by #checkFile.
      if (err === this.#lost) return;
      this.#failingSince ??= this.#now();
      this.#onError(stateError(this.#db.name, err));
    }
  }

  /** Fail closed while state.db is not the file we opened; clear that when it is again (moved back). */
  #checkFile(opened: FileIdentity): void {
    try {
      assertStateFile(this.#db.name, opened);
    } catch (err) {
      const now = err as SluiceError;
      const lost = this.#lost !== null && this.#lost.details.cause === now.details.cause ? this.#lost : now;
      if (lost !== this.#lost) {
        this.#lost = lost;
        this.#onError(lost); // once per change, loudly: every request is refused from now on
      }
      throw lost;
    }
    this.#lost = null;
  }

  #readVersion(): number {
    return this.#dataVersion.get() ?? 0;
  }

  #load(): void {
    const rows = this.#since.all(this.#lastId);
    if (rows.length > 0) this.#apply(rows);
    // Only now is it applied (in the snapshot, and every listener has ended what it
    // must): tell `sluice revoke`. A failed ack throws into #poll, which loads (and
    // acks) again on the next tick.
    this.#participant?.ack(this.#lastId);
  }

  #apply(rows: Row[]): void {
    const added: RevocationEntry[] = [];
    for (const row of rows) {
      this.#lastId = row.id;
      if (row.undoes !== null) {
        this.#snapshot.remove(String(row.undoes));
        continue;
      }
      const entry = entryOf(row);
      this.#snapshot.add(entry);
      added.push(entry);
    }
    // An undo only lifts: nothing open has to end, so listeners hear of additions only.
    if (added.length === 0) return;
    for (const listener of [...this.#listeners]) {
      try {
        listener(added);
      } catch (err) {
        this.#onError(err);
      }
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new SluiceError(ErrorCode.STATE_UNAVAILABLE, 'the revocation store is closed');
  }
}

function entryOf(row: Row): RevocationEntry {
  return Object.freeze({ id: String(row.id), kind: row.kind, value: row.value, tenant: row.tenant, reason: row.reason, revokedAt: row.revoked_at });
}
