/**
 * Who has applied which revocation. Every process that enforces revocations on a data
 * directory (a gate, a `sluice mcp` wrapper) registers itself in `state.db` with its
 * pid, host and a heartbeat, and records the highest revocation id it has applied
 * (its snapshot holds it and its open exchanges of that identity were ended).
 * `sluice revoke` waits until every live participant has reached its own write, so
 * "the next request is refused" is true when it returns, not ~100 ms later.
 *
 * A participant is live while its heartbeat is fresh and, on this host, its process
 * exists: a crashed gate never makes `revoke` wait.
 *
 * @example
 * const me = Participants.register(db, 'gate', lastId);
 * me.ack(lastId); // after applying
 * const missing = await waitForParticipants(db, id, { timeoutMs: 5000 });
 */
import { hostname } from 'node:os';
import type { Database as Db, Statement } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { migrate, openStateTables } from './sqlite-db.js';

export type ParticipantKind = 'gate' | 'mcp';

/**
 * Which log a participant acknowledges: revocations (the default) or the kill switch
 * and quarantines (stops.ts). Each log has its own ids, so its own table of who applied
 * how far; the rows and the waiting are the same.
 */
export type Ledger = 'participants' | 'stop_participants';

/** How often a participant says it is alive, and after how long without that it is ignored. */
export const HEARTBEAT_MS = 1000;
export const STALE_MS = 5000;

const schema = (ledger: Ledger): string[] => [
  `CREATE TABLE ${ledger} (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    applied_id INTEGER NOT NULL
  )`,
];

export interface ParticipantRow {
  id: string;
  kind: ParticipantKind;
  pid: number;
  host: string;
  heartbeat_at: number;
  applied_id: number;
}

/** This process's row: acknowledge applied revocations, keep the heartbeat, leave on close. */
export class Participant {
  readonly id = randomUUID();
  readonly #ack: Statement<[number, number, string]>;
  readonly #beat: Statement<[number, string]>;
  readonly #remove: Statement<[string]>;
  readonly #timer: NodeJS.Timeout;
  #applied: number;

  readonly #db: Db;

  /**
   * Register in `<dataDir>/state.db` (migrating the table), having applied every
   * revocation up to `appliedId`. The row is written over its own connection with
   * `synchronous = NORMAL`: a heartbeat needs no fsync (a power cut ends the gate too),
   * and a FULL-sync write every second would block the gate's event loop on the disk.
   */
  static register(dataDir: string, kind: ParticipantKind, appliedId: number, onError: (err: unknown) => void, ledger: Ledger = 'participants'): Participant {
    const db = openStateTables(dataDir, ledger, schema(ledger));
    try {
      db.pragma('synchronous = NORMAL');
      return new Participant(db, kind, appliedId, onError, ledger);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private constructor(db: Db, kind: ParticipantKind, appliedId: number, onError: (err: unknown) => void, ledger: Ledger) {
    this.#db = db;
    const now = Date.now();
    // Rows of participants dead for an hour are litter from crashes; nobody waits on them anyway.
    db.prepare(`DELETE FROM ${ledger} WHERE heartbeat_at < ?`).run(now - 3_600_000);
    db.prepare(`INSERT INTO ${ledger} (id, kind, pid, host, started_at, heartbeat_at, applied_id) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
      this.id,
      kind,
      process.pid,
      hostname(),
      now,
      now,
      appliedId,
    );
    this.#applied = appliedId;
    this.#ack = db.prepare(`UPDATE ${ledger} SET applied_id = ?, heartbeat_at = ? WHERE id = ?`);
    this.#beat = db.prepare(`UPDATE ${ledger} SET heartbeat_at = ? WHERE id = ?`);
    this.#remove = db.prepare(`DELETE FROM ${ledger} WHERE id = ?`);
    this.#timer = setInterval(() => {
      try {
        this.#beat.run(Date.now(), this.id);
      } catch (err) {
        onError(err);
      }
    }, HEARTBEAT_MS).unref();
  }

  /** Record that every revocation up to `appliedId` is in force here. Throws if the write fails. */
  ack(appliedId: number): void {
    if (appliedId <= this.#applied) return;
    this.#ack.run(appliedId, Date.now(), this.id);
    this.#applied = appliedId;
  }

  /** Leave the table (a closing gate is no longer waited for). Best effort. */
  leave(): void {
    clearInterval(this.#timer);
    try {
      this.#remove.run(this.id);
    } catch {
      // The row goes stale and is ignored; a failing database at shutdown is not an error to report.
    }
    this.#db.close();
  }
}

/** Live participants that have not applied revocation `id` yet (empty: all have). */
function lagging(db: Db, id: number, ledger: Ledger, now = Date.now()): ParticipantRow[] {
  const rows = db
    .prepare<[number, number], ParticipantRow>(`SELECT id, kind, pid, host, heartbeat_at, applied_id FROM ${ledger} WHERE applied_id < ? AND heartbeat_at >= ?`)
    .all(id, now - STALE_MS);
  const here = hostname();
  return rows.filter((r) => r.host !== here || processExists(r.pid));
}

/**
 * Wait until every live participant has applied revocation `id`, polling every
 * `everyMs`, at most `timeoutMs`. Resolves with the ones that still had not (empty
 * on success).
 */
export async function waitForParticipants(db: Db, id: number, opts: { timeoutMs: number; everyMs?: number; ledger?: Ledger }): Promise<ParticipantRow[]> {
  const until = Date.now() + opts.timeoutMs;
  const ledger = opts.ledger ?? 'participants';
  migrate(db, ledger, schema(ledger));
  for (;;) {
    const behind = lagging(db, id, ledger);
    if (behind.length === 0 || Date.now() >= until) return behind;
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 10));
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
