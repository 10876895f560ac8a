/**
 * Who has applied which row of a shared log, in PostgreSQL: the `participants` table
 * (migration 010), one row per live gate and log (`ledger`), as participants.ts is for
 * `state.db`. A gate replica registers with its pid, host and a heartbeat and records
 * the highest id it applied; `sluice revoke` and `sluice kill` wait until every live
 * replica, on any host, reached their row. A replica is live while its heartbeat is
 * fresh (and, on this host, its process exists): a crashed replica never makes them wait.
 *
 * @example
 * const me = await PgParticipant.register(pool, 'revocations', 'gate', lastId, onError);
 * me.ack(lastId);
 * const behind = await waitForPgParticipants(pool, 'revocations', id, { timeoutMs: 5000 });
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { HEARTBEAT_MS, STALE_MS, type ParticipantKind, type ParticipantRow } from '../participants.js';

/** This process's row for one log: acknowledge, keep the heartbeat, leave on close. */
export class PgParticipant {
  readonly id = randomUUID();
  readonly #pool: pg.Pool;
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (err: unknown) => void;
  #applied: number;
  #acking: Promise<void> = Promise.resolve();

  /**
   * Register in `participants` under `ledger`, having applied every row up to `appliedId`.
   *
   * @example
   * const me = await PgParticipant.register(pool, 'stops', 'gate', 0, (e) => log.warn(e));
   */
  static async register(pool: pg.Pool, ledger: string, kind: ParticipantKind, appliedId: number, onError: (err: unknown) => void): Promise<PgParticipant> {
    const me = new PgParticipant(pool, appliedId, onError);
    const now = Date.now();
    try {
      // Rows of replicas dead for an hour are litter from crashes; nobody waits on them anyway.
      await pool.query('DELETE FROM participants WHERE heartbeat_at < $1', [now - 3_600_000]);
      await pool.query('INSERT INTO participants (id, ledger, kind, pid, host, started_at, heartbeat_at, applied_id) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)', [
        me.id,
        ledger,
        kind,
        process.pid,
        hostname(),
        now,
        appliedId,
      ]);
    } catch (err) {
      clearInterval(me.#timer);
      throw err;
    }
    return me;
  }

  private constructor(pool: pg.Pool, appliedId: number, onError: (err: unknown) => void) {
    this.#pool = pool;
    this.#applied = appliedId;
    this.#onError = onError;
    this.#timer = setInterval(() => {
      pool.query('UPDATE participants SET heartbeat_at = $1 WHERE id = $2', [Date.now(), this.id]).catch(onError);
    }, HEARTBEAT_MS).unref();
  }

  /** Record (in the background, in order) that every row up to `appliedId` is in force here. */
  ack(appliedId: number): void {
    if (appliedId <= this.#applied) return;
    this.#applied = appliedId;
    this.#acking = this.#acking
      .then(() =>
        this.#pool.query('UPDATE participants SET applied_id = GREATEST(applied_id, $1), heartbeat_at = $2 WHERE id = $3', [appliedId, Date.now(), this.id]),
      )
      .then(
        () => undefined,
        (err: unknown) => this.#onError(err),
      );
  }

  /** Leave the table (a closing replica is no longer waited for). Best effort. */
  async leave(): Promise<void> {
    clearInterval(this.#timer);
    await this.#acking;
    await this.#pool.query('DELETE FROM participants WHERE id = $1', [this.id]).catch(() => undefined);
  }
}

/**
 * Wait until every live participant of `ledger` applied row `id`, polling every
 * `everyMs` (default 10), at most `timeoutMs`; resolves with those still behind.
 *
 * @example
 * const behind = await waitForPgParticipants(pool, 'revocations', 42, { timeoutMs: 5000 });
 */
export async function waitForPgParticipants(
  pool: pg.Pool,
  ledger: string,
  id: number,
  opts: { timeoutMs: number; everyMs?: number },
): Promise<ParticipantRow[]> {
  const until = Date.now() + opts.timeoutMs;
  const here = hostname();
  for (;;) {
    const { rows } = await pool.query<ParticipantRow>(
      `SELECT id, kind, pid, host, heartbeat_at::float8 AS heartbeat_at, applied_id::float8 AS applied_id
         FROM participants WHERE ledger = $1 AND applied_id < $2 AND heartbeat_at >= $3`,
      [ledger, id, Date.now() - STALE_MS],
    );
    const behind = rows.filter((r) => r.host !== here || processExists(r.pid));
    if (behind.length === 0 || Date.now() >= until) return behind;
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 10));
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
