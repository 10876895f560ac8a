/**
 * Revocations in PostgreSQL (`state.backend: postgres`): the same append-only table as
 * in `state.db` (an undo is a row too), watched by every replica (pg-watched-log.ts),
 * so a revocation written through any replica or `sluice revoke` is in every replica's
 * snapshot within milliseconds (LISTEN/NOTIFY; polling only as the fallback), and
 * `awaitApplied` waits until every live replica acknowledged it.
 *
 * @example
 * const store = await PgRevocationStore.open(conn, { participant: 'gate' });
 * store.isRevoked(principal);
 */
import type { Principal } from '../../identity/principal.js';
import { checkName, checkText } from '../../identity/names.js';
import { InvalidArgumentError } from '../../identity/errors.js';
import { applyRevocationRows, revocationEntryOf, RevocationSnapshot, type RevocationRow } from '../revocation-snapshot.js';
import { REVOCATION_KINDS } from '../revocations.js';
import type { RevocationEntry, RevocationRequest, RevocationStore, RevocationTarget, RevocationUndo } from '../revocations.js';
import type { SharedConnections } from '../shared-backend.js';
import { PgWatchedLog, type PgWatchedLogOptions } from './pg-watched-log.js';

type Row = RevocationRow;

const COLUMNS = 'id::float8 AS id, kind, value, tenant, reason, revoked_at::float8 AS revoked_at, undoes::float8 AS undoes';

export class PgRevocationStore implements RevocationStore {
  readonly #snapshot = new RevocationSnapshot();
  #log!: PgWatchedLog<Row, [added: RevocationEntry[]]>;

  /**
   * Open on the shared connections, load every revocation and (unless `watch: false`) watch.
   *
   * @example
   * const store = await PgRevocationStore.open(conn, { watch: false }); // sluice revoke
   */
  static async open(conn: SharedConnections, opts: PgWatchedLogOptions = {}): Promise<PgRevocationStore> {
    const store = new PgRevocationStore();
    store.#log = await PgWatchedLog.open<Row, [added: RevocationEntry[]]>(
      conn,
      { table: 'revocations', columns: COLUMNS, what: 'revocations', store: 'revocation store', apply: (rows, log) => store.#apply(rows, log) },
      opts,
    );
    return store;
  }

  private constructor() {}

  async revoke(r: RevocationRequest): Promise<RevocationEntry> {
    if (!REVOCATION_KINDS.includes(r.kind)) throw new InvalidArgumentError('kind', `expected one of ${REVOCATION_KINDS.join(', ')}`);
    const value = checkName(r.kind, r.value);
    const tenant = r.tenant == null ? null : checkName('tenant', r.tenant);
    const reason = r.reason == null ? null : checkText('reason', r.reason);
    const id = await this.#log.write(async (c) => {
      const res = await c.query<{ id: number }>(
        'INSERT INTO revocations (kind, value, tenant, reason, revoked_at) VALUES ($1, $2, $3, $4, $5) RETURNING id::float8 AS id',
        [r.kind, value, tenant, reason, this.#log.now()],
      );
      return String(res.rows[0]?.id);
    });
    return this.#snapshot.list().find((e) => e.id === id) ?? this.#log.unread(id);
  }

  async undo(t: RevocationTarget): Promise<RevocationUndo | null> {
    if (!REVOCATION_KINDS.includes(t.kind)) throw new InvalidArgumentError('kind', `expected one of ${REVOCATION_KINDS.join(', ')}`);
    const value = checkName(t.kind, t.value);
    const tenant = t.tenant == null ? null : checkName('tenant', t.tenant);
    // Under the table's write lock: two undos cannot both lift (and report) one revocation.
    const { rows, last } = await this.#log.write(async (c) => {
      const found = await c.query<Row>(
        `SELECT ${COLUMNS} FROM revocations r
          WHERE undoes IS NULL AND kind = $1 AND value = $2 AND tenant IS NOT DISTINCT FROM $3
            AND NOT EXISTS (SELECT 1 FROM revocations u WHERE u.undoes = r.id) ORDER BY id`,
        [t.kind, value, tenant],
      );
      let lastId = 0;
      for (const row of found.rows) {
        const ins = await c.query<{ id: number }>(
          'INSERT INTO revocations (kind, value, tenant, revoked_at, undoes) VALUES ($1, $2, $3, $4, $5) RETURNING id::float8 AS id',
          [row.kind, row.value, row.tenant, this.#log.now(), row.id],
        );
        lastId = ins.rows[0]?.id ?? lastId;
      }
      return { rows: found.rows, last: lastId };
    });
    return rows.length === 0 ? null : { id: String(last), undone: rows.map(revocationEntryOf) };
  }

  isRevoked(p: Principal): RevocationEntry | null {
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

  #apply(rows: Row[], log: PgWatchedLog<Row, [added: RevocationEntry[]]>): void {
    const added = applyRevocationRows(rows, this.#snapshot);
    if (added.length > 0) log.notify(added);
  }
}
