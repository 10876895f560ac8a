/**
 * The blast radius in PostgreSQL (`state.backend: postgres`): the table of
 * sqlite-blast-radius.ts, shared by every replica, so a session's second critical
 * write domain needs approval whichever replica it reaches, and a tool-chain cap counts
 * the session's calls on all of them. Every method is one statement, written through:
 * a domain is added with `array_append` under the row's lock only when absent, and a
 * tool call is counted with `calls = calls + 1 ... WHERE calls < max`, so replicas
 * counting one session at once never let it past its cap together.
 *
 * Keys are stored as bytes: a session key joins tenant and session with a NUL, which a
 * PostgreSQL text value cannot hold.
 *
 * Bounded by `maxSessions`: after about `maxSessions / 64` new sessions this replica
 * has made, the least recently seen rows past the bound are deleted.
 *
 * @example
 * const blast = await PgBlastRadius.open(conn, { maxSessions: 10_000 });
 * await blast.wrote('acme\u0000s1', 'db.example');
 * await blast.domains('acme\u0000s1'); // ['db.example']
 */
import type pg from 'pg';
import type { BlastRadiusStore } from '../blast-radius.js';
import type { BlastRadiusStoreOptions } from '../sqlite-blast-radius.js';
import type { SharedConnections } from '../shared-backend.js';
import { pgStateError } from './pg-watched-log.js';

export class PgBlastRadius implements BlastRadiusStore {
  readonly #pool: pg.Pool;
  readonly #namespace: string;
  readonly #max: number;
  readonly #every: number;
  readonly #now: () => number;
  readonly #release: () => Promise<void>;
  /** New sessions this replica made since it last bounded the table. */
  #made = 0;
  #closed = false;

  /**
   * Open on the shared connections (the schema brought up to date first).
   *
   * @example
   * const blast = await PgBlastRadius.open(conn, { maxSessions: 10_000 });
   */
  static async open(conn: SharedConnections, opts: BlastRadiusStoreOptions = {}): Promise<PgBlastRadius> {
    const release = conn.use();
    try {
      await conn.ready();
    } catch (err) {
      await release();
      throw pgStateError(conn.namespace, err);
    }
    return new PgBlastRadius(conn, opts, release);
  }

  private constructor(conn: SharedConnections, opts: BlastRadiusStoreOptions, release: () => Promise<void>) {
    this.#pool = conn.pool;
    this.#namespace = conn.namespace;
    this.#max = Math.max(1, opts.maxSessions ?? 10_000);
    this.#every = Math.max(1, Math.floor(this.#max / 64));
    this.#now = opts.now ?? Date.now;
    this.#release = release;
  }

  async domains(key: string): Promise<readonly string[]> {
    const r = await this.#query<{ domains: string[] }>('SELECT domains FROM blast_sessions WHERE key = $1', [Buffer.from(key)]);
    return r.rows[0]?.domains ?? [];
  }

  async wrote(key: string, domain: string): Promise<void> {
    const r = await this.#query<{ fresh: boolean }>(
      `INSERT INTO blast_sessions AS b (key, domains, seen) VALUES ($1, ARRAY[$2::text], $3)
       ON CONFLICT (key) DO UPDATE SET domains = CASE WHEN $2 = ANY (b.domains) THEN b.domains ELSE array_append(b.domains, $2) END, seen = excluded.seen
       RETURNING (xmax = 0) AS fresh`,
      [Buffer.from(key), domain, this.#now()],
    );
    if (r.rows[0]?.fresh === true) await this.#made1();
  }

  async toolCall(key: string, max: number): Promise<boolean> {
    if (max === 0) return true;
    const r = await this.#query<{ fresh: boolean }>(
      `INSERT INTO blast_sessions AS b (key, calls, seen) VALUES ($1, 1, $2)
       ON CONFLICT (key) DO UPDATE SET calls = b.calls + 1, seen = excluded.seen WHERE b.calls < $3
       RETURNING (xmax = 0) AS fresh`,
      [Buffer.from(key), this.#now(), max],
    );
    if (r.rows.length === 0) return false;
    if (r.rows[0]!.fresh) await this.#made1();
    return true;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#release();
  }

  async #made1(): Promise<void> {
    if (++this.#made < this.#every) return;
    this.#made = 0;
    await this.#query(
      `DELETE FROM blast_sessions WHERE key IN (
         SELECT key FROM blast_sessions ORDER BY seen DESC OFFSET $1
       )`,
      [this.#max],
    );
  }

  async #query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.#closed) throw pgStateError(this.#namespace, new Error('the blast radius store is closed'));
    try {
      return await this.#pool.query<R>(sql, params);
    } catch (err) {
      throw pgStateError(this.#namespace, err);
    }
  }
}
