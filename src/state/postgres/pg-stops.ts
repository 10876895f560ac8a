/**
 * Kills and quarantines in PostgreSQL (`state.backend: postgres`), a watched log
 * (pg-watched-log.ts) as revocations are: every replica loads the rows any replica or
 * `sluice kill` / `sluice quarantine` adds (a lift is a row too) within milliseconds,
 * ends what they stop through its listeners, and acknowledges, so the CLI returns once
 * every live replica applied them.
 *
 * @example
 * const stops = await PgStopStore.open(conn, { participant: 'gate' });
 * stops.onChange(() => exchanges.sweep());
 */
import { checkName, checkText } from '../../identity/names.js';
import { InvalidArgumentError } from '../../identity/errors.js';
import type { Host } from '../../net/host.js';
import type { SharedConnections } from '../shared-backend.js';
import { StopSnapshot } from '../stop-snapshot.js';
import { parseQuarantineTarget } from '../stop-target.js';
import type { KillEntry, QuarantineEntry, StopLift, StopStore } from '../stops.js';
import { PgWatchedLog, type PgWatchedLogOptions } from './pg-watched-log.js';
import type pg from 'pg';

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

const COLUMNS = 'id::float8 AS id, kind, tenant, target, reason, at::float8 AS at, expires_at::float8 AS expires_at, lifts::float8 AS lifts';
const IN_FORCE = 'NOT EXISTS (SELECT 1 FROM stops l WHERE l.lifts = s.id)';
const INSERT = 'INSERT INTO stops (kind, tenant, target, reason, at, expires_at, lifts) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::float8 AS id';

export class PgStopStore implements StopStore {
  readonly #snapshot = new StopSnapshot();
  #log!: PgWatchedLog<Row, []>;

  /**
   * Open on the shared connections, load every entry and (unless `watch: false`) watch.
   *
   * @example
   * const stops = await PgStopStore.open(conn, { watch: false }); // sluice kill
   */
  static async open(conn: SharedConnections, opts: PgWatchedLogOptions = {}): Promise<PgStopStore> {
    const store = new PgStopStore();
    store.#log = await PgWatchedLog.open<Row, []>(
      conn,
      {
        table: 'stops',
        columns: COLUMNS,
        what: 'the kill switch and quarantines',
        store: 'stop store (kill switch, quarantines)',
        apply: (rows, log) => store.#apply(rows, log),
      },
      opts,
    );
    return store;
  }

  private constructor() {}

  async kill(r: { tenant?: string | null; reason?: string | null }): Promise<KillEntry> {
    const tenant = r.tenant == null ? null : checkName('tenant', r.tenant);
    const reason = r.reason == null ? null : checkText('reason', r.reason);
    const id = await this.#log.write((c) => this.#add(c, 'kill', tenant, null, reason, null));
    return this.#snapshot.kills().find((k) => k.id === id) ?? this.#log.unread(id);
  }

  async unkill(tenant: string | null): Promise<StopLift<KillEntry> | null> {
    const scope = tenant === null ? null : checkName('tenant', tenant);
    return this.#liftRows(
      (c) => c.query<Row>(`SELECT ${COLUMNS} FROM stops s WHERE kind = 'kill' AND tenant IS NOT DISTINCT FROM $1 AND ${IN_FORCE} ORDER BY id`, [scope]),
      killOf,
    );
  }

  async quarantine(r: { target: string; reason?: string | null; forMs?: number | null }): Promise<QuarantineEntry> {
    const target = parseQuarantineTarget(r.target).text;
    const reason = r.reason == null ? null : checkText('reason', r.reason);
    if (r.forMs != null && (!Number.isSafeInteger(r.forMs) || r.forMs <= 0)) throw new InvalidArgumentError('for', 'expected a positive duration');
    const at = this.#log.now();
    const id = await this.#log.write((c) => this.#add(c, 'quarantine', null, target, reason, r.forMs == null ? null : at + r.forMs));
    return this.#snapshot.quarantines(at).find((q) => q.id === id) ?? this.#log.unread(id);
  }

  async lift(idOrTarget: string): Promise<StopLift<QuarantineEntry> | null> {
    const byId = /^q([0-9]{1,15})$/.exec(idOrTarget.trim());
    const where = byId ? 'id = $1' : 'target = $1';
    const key: string | number = byId ? Number(byId[1]) : parseQuarantineTarget(idOrTarget).text;
    return this.#liftRows(
      (c) => c.query<Row>(`SELECT ${COLUMNS} FROM stops s WHERE kind = 'quarantine' AND ${where} AND ${IN_FORCE} ORDER BY id`, [key]),
      quarantineOf,
    );
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

  async #add(
    c: pg.PoolClient,
    kind: Row['kind'],
    tenant: string | null,
    target: string | null,
    reason: string | null,
    expiresAt: number | null,
  ): Promise<string> {
    const res = await c.query<{ id: number }>(INSERT, [kind, tenant, target, reason, this.#log.now(), expiresAt, null]);
    return String(res.rows[0]?.id);
  }

  /** Lift the rows `find` returns under the table's write lock (two lifts cannot both report one entry). */
  async #liftRows<E>(find: (c: pg.PoolClient) => Promise<pg.QueryResult<Row>>, entryOf: (r: Row) => E): Promise<StopLift<E> | null> {
    const { rows, last } = await this.#log.write(async (c) => {
      const found = (await find(c)).rows;
      let lastId = 0;
      for (const r of found) {
        const res = await c.query<{ id: number }>(INSERT, ['lift', r.tenant, r.target, null, this.#log.now(), null, r.id]);
        lastId = res.rows[0]?.id ?? lastId;
      }
      return { rows: found, last: lastId };
    });
    return rows.length === 0 ? null : { id: String(last), lifted: rows.map(entryOf) };
  }

  #apply(rows: Row[], log: PgWatchedLog<Row, []>): void {
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
