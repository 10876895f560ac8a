/**
 * MCP tool and agent-card pins in PostgreSQL (`state.backend: postgres`): the tables of
 * tool-pins-sqlite.ts, shared by every replica. Every read-compare-write runs in one
 * transaction holding the server's advisory lock, so two replicas seeing a server's
 * first list at once pin it once, and an accept never interleaves with a check. Nothing
 * is cached: a pin accepted through one replica (or `sluice mcp accept`) is the pin on
 * every replica from its next check.
 *
 * @example
 * const pins = await PgToolPinStore.open(conn, { compare: comparePins });
 * await pins.check('acme', 'tickets', tools);
 */
import type pg from 'pg';
import { ErrorCode, SluiceError } from '../../errors.js';
import { InvalidArgumentError } from '../../identity/errors.js';
import type { SharedConnections } from '../shared-backend.js';
import type { AcceptedPin, PinComparer, PinComparison, PinnedTool, ToolCheck, ToolPinStore } from '../tool-pins.js';
import type { ToolPinStoreOptions } from '../tool-pins-sqlite.js';
import { pgStateError } from './pg-watched-log.js';

const MAX_KEY = 512;
/** The advisory lock class of pin writers; the key is the server's hash. */
const PIN_LOCK = 0x5c1d0;

interface PinRow {
  tenant: string;
  server: string;
  tool: string;
  hash: string;
  first_seen: number;
  accepted_at: number | null;
}
interface PendingRow {
  tenant: string;
  server: string;
  tool: string;
  hash: string;
  seen_at: number;
}

const PIN_COLUMNS = 'tenant, server, tool, hash, first_seen::float8 AS first_seen, accepted_at::float8 AS accepted_at';
const PENDING_COLUMNS = 'tenant, server, tool, hash, seen_at::float8 AS seen_at';

export class PgToolPinStore implements ToolPinStore {
  readonly #pool: pg.Pool;
  readonly #namespace: string;
  readonly #now: () => number;
  readonly #compare: PinComparer;
  readonly #release: () => Promise<void>;
  #closed = false;

  /**
   * Open on the shared connections (the schema brought up to date first).
   *
   * @example
   * const pins = await PgToolPinStore.open(conn, { compare: comparePins });
   */
  static async open(conn: SharedConnections, opts: ToolPinStoreOptions): Promise<PgToolPinStore> {
    const release = conn.use();
    try {
      await conn.ready();
    } catch (err) {
      await release();
      throw pgStateError(conn.namespace, err);
    }
    return new PgToolPinStore(conn, opts, release);
  }

  private constructor(conn: SharedConnections, opts: ToolPinStoreOptions, release: () => Promise<void>) {
    this.#pool = conn.pool;
    this.#namespace = conn.namespace;
    this.#now = opts.now ?? Date.now;
    this.#compare = opts.compare;
    this.#release = release;
  }

  pinIfFirst(tenant: string, server: string, tools: readonly unknown[]): Promise<boolean> {
    return this.#run(server, async (c) => {
      key('tenant', tenant);
      const any = await c.query('SELECT 1 FROM mcp_tool_pins WHERE tenant = $1 AND server = $2 LIMIT 1', [tenant, server]);
      if ((any.rowCount ?? 0) > 0) return false;
      await this.#pinNew(c, tenant, server, this.#compare(new Map(), tools));
      return true;
    });
  }

  check(tenant: string, server: string, tools: readonly unknown[]): Promise<ToolCheck> {
    return this.#run(server, async (c) => {
      key('tenant', tenant);
      const rows = (await c.query<PinRow>(`SELECT ${PIN_COLUMNS} FROM mcp_tool_pins WHERE tenant = $1 AND server = $2`, [tenant, server])).rows;
      const pinned = new Map(rows.map((r) => [r.tool, r.hash]));
      const cmp = this.#compare(pinned, tools);
      const now = this.#now();
      await this.#pinNew(c, tenant, server, cmp);
      for (const tool of cmp.changed) {
        await c.query(
          `INSERT INTO mcp_tool_pending (tenant, server, tool, hash, seen_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant, server, tool) DO UPDATE SET
             seen_at = CASE WHEN mcp_tool_pending.hash = excluded.hash THEN mcp_tool_pending.seen_at ELSE excluded.seen_at END,
             hash = excluded.hash`,
          [tenant, server, tool, cmp.hashes.get(tool)!, now],
        );
      }
      // A server that went back to the pinned definition has nothing pending any more.
      if (cmp.unchanged.length > 0) {
        await c.query('DELETE FROM mcp_tool_pending WHERE tenant = $1 AND server = $2 AND tool = ANY($3)', [tenant, server, cmp.unchanged]);
      }
      return { firstList: rows.length === 0, changed: cmp.changed, added: cmp.new, removed: cmp.removed, invalid: cmp.invalid };
    });
  }

  accept(server: string, tenant?: string): Promise<AcceptedPin[]> {
    return this.#run(server, async (c) => {
      if (tenant !== undefined) key('tenant', tenant);
      const pending = (
        tenant === undefined
          ? await c.query<PendingRow>(`SELECT ${PENDING_COLUMNS} FROM mcp_tool_pending WHERE server = $1 ORDER BY tenant, tool`, [server])
          : await c.query<PendingRow>(`SELECT ${PENDING_COLUMNS} FROM mcp_tool_pending WHERE server = $1 AND tenant = $2 ORDER BY tool`, [server, tenant])
      ).rows;
      const now = this.#now();
      const out: AcceptedPin[] = [];
      for (const p of pending) {
        const prior = await c.query<{ hash: string }>('SELECT hash FROM mcp_tool_pins WHERE tenant = $1 AND server = $2 AND tool = $3', [
          p.tenant,
          p.server,
          p.tool,
        ]);
        await c.query(
          `INSERT INTO mcp_tool_pins (tenant, server, tool, hash, first_seen, accepted_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (tenant, server, tool) DO UPDATE SET hash = excluded.hash, accepted_at = excluded.accepted_at`,
          [p.tenant, p.server, p.tool, p.hash, p.seen_at, now],
        );
        await c.query('DELETE FROM mcp_tool_pending WHERE tenant = $1 AND server = $2 AND tool = $3', [p.tenant, p.server, p.tool]);
        out.push({ tenant: p.tenant, server: p.server, tool: p.tool, hash: p.hash, previousHash: prior.rows[0]?.hash ?? null });
      }
      return out;
    });
  }

  async list(server?: string): Promise<PinnedTool[]> {
    this.#assertOpen();
    if (server !== undefined) key('server', server);
    const where = server === undefined ? '' : ' WHERE server = $1';
    const args = server === undefined ? [] : [server];
    let pins: PinRow[];
    let pending: PendingRow[];
    try {
      pins = (await this.#pool.query<PinRow>(`SELECT ${PIN_COLUMNS} FROM mcp_tool_pins${where}`, args)).rows;
      pending = (await this.#pool.query<PendingRow>(`SELECT ${PENDING_COLUMNS} FROM mcp_tool_pending${where}`, args)).rows;
    } catch (err) {
      throw pgStateError(this.#namespace, err);
    }
    const out = new Map<string, PinnedTool>();
    const id = (r: { tenant: string; server: string; tool: string }): string => JSON.stringify([r.server, r.tenant, r.tool]);
    for (const r of pins) {
      out.set(id(r), { tenant: r.tenant, server: r.server, tool: r.tool, hash: r.hash, firstSeen: r.first_seen, acceptedAt: r.accepted_at, pending: null });
    }
    for (const p of pending) {
      const e = out.get(id(p)) ?? { tenant: p.tenant, server: p.server, tool: p.tool, hash: null, firstSeen: null, acceptedAt: null, pending: null };
      e.pending = { hash: p.hash, seenAt: p.seen_at };
      out.set(id(p), e);
    }
    return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#release();
  }

  async #pinNew(c: pg.PoolClient, tenant: string, server: string, cmp: PinComparison): Promise<void> {
    const now = this.#now();
    for (const tool of cmp.new) {
      await c.query(
        'INSERT INTO mcp_tool_pins (tenant, server, tool, hash, first_seen, accepted_at) VALUES ($1, $2, $3, $4, $5, NULL) ON CONFLICT DO NOTHING',
        [tenant, server, tool, cmp.hashes.get(tool)!, now],
      );
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new SluiceError(ErrorCode.STATE_UNAVAILABLE, 'the tool pin store is closed');
  }

  /** One transaction holding the server's lock; failures become STATE_UNAVAILABLE naming the namespace. */
  async #run<T>(server: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    this.#assertOpen();
    key('server', server);
    let c: pg.PoolClient;
    try {
      c = await this.#pool.connect();
    } catch (err) {
      throw pgStateError(this.#namespace, err);
    }
    let out: T;
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [PIN_LOCK, `${this.#namespace}.${server}`]);
      out = await fn(c);
      await c.query('COMMIT');
    } catch (err) {
      // A connection that cannot even roll back is broken: destroyed, not pooled.
      const healthy = await c.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      c.release(!healthy);
      throw pgStateError(this.#namespace, err);
    }
    c.release();
    return out;
  }
}

function key(field: string, v: unknown): void {
  if (typeof v !== 'string' || v === '' || v.length > MAX_KEY)
    throw new InvalidArgumentError(field, `expected a non-empty string of at most ${MAX_KEY} characters`);
}
