/**
 * Tool pins in the embedded SQLite state database (`<dataDir>/state.db`, shared
 * with the CLI, which runs `sluice mcp accept` as another process). Every
 * read-compare-write runs in one IMMEDIATE transaction, so two gates seeing a
 * server's first list at once pin it once, and an accept never interleaves with
 * a check.
 *
 * @example
 * const store = SqliteToolPinStore.open(dataDir, { compare: comparePins });
 * await store.check('acme', 'tickets', tools);
 */
import type { Database as Db } from 'better-sqlite3';
import { ErrorCode, SluiceError } from '../errors.js';
import { InvalidArgumentError } from '../identity/errors.js';
import { assertStateFile, openStateTables, stateError } from './sqlite-db.js';
import { fileIdentity, type FileIdentity } from './private-sqlite.js';
import type { AcceptedPin, PinComparer, PinComparison, PinnedTool, ToolCheck, ToolPinStore } from './tool-pins.js';

export interface ToolPinStoreOptions {
  /**
   * How a listing compares with the pins: what a tool is and what its fingerprint
   * covers belong to the scanner (inspect/mcp/pins.ts `comparePins`), not the store.
   */
  compare: PinComparer;
  /** Clock, epoch ms; for tests. */
  now?: () => number;
  /** Lock wait, ms; default the short one for a serving event loop (a CLI passes BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
}

const SCHEMA = [
  `CREATE TABLE mcp_tool_pins (
    tenant TEXT NOT NULL,
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    hash TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    accepted_at INTEGER,
    PRIMARY KEY (tenant, server, tool)
  ) WITHOUT ROWID;
  CREATE INDEX mcp_tool_pins_server ON mcp_tool_pins (server);
  CREATE TABLE mcp_tool_pending (
    tenant TEXT NOT NULL,
    server TEXT NOT NULL,
    tool TEXT NOT NULL,
    hash TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, server, tool)
  ) WITHOUT ROWID;
  CREATE INDEX mcp_tool_pending_server ON mcp_tool_pending (server);`,
];

const MAX_KEY = 512;

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

export class SqliteToolPinStore implements ToolPinStore {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #compare: PinComparer;
  #closed = false;
  readonly #opened: FileIdentity | null;

  /**
   * Open (creating tables if missing) in `dataDir`.
   *
   * @example
   * const store = SqliteToolPinStore.open('/var/lib/sluice', { compare: comparePins });
   */
  static open(dataDir: string, opts: ToolPinStoreOptions): SqliteToolPinStore {
    return new SqliteToolPinStore(
      openStateTables(dataDir, 'mcp_tool_pins', SCHEMA, opts.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: opts.busyTimeoutMs }),
      opts,
    );
  }

  private constructor(db: Db, opts: ToolPinStoreOptions) {
    this.#db = db;
    this.#now = opts.now ?? Date.now;
    this.#compare = opts.compare;
    this.#opened = fileIdentity(db.name);
  }

  pinIfFirst(tenant: string, server: string, tools: readonly unknown[]): Promise<boolean> {
    return this.#run(() => {
      key('tenant', tenant);
      key('server', server);
      const any = this.#db.prepare('SELECT 1 FROM mcp_tool_pins WHERE tenant = ? AND server = ? LIMIT 1').get(tenant, server);
      if (any !== undefined) return false;
      this.#pinNew(tenant, server, this.#compare(new Map(), tools));
      return true;
    });
  }

  check(tenant: string, server: string, tools: readonly unknown[]): Promise<ToolCheck> {
    return this.#run(() => {
      key('tenant', tenant);
      key('server', server);
      const rows = this.#db.prepare<[string, string], PinRow>('SELECT * FROM mcp_tool_pins WHERE tenant = ? AND server = ?').all(tenant, server);
      const pinned = new Map(rows.map((r) => [r.tool, r.hash]));
      const cmp = this.#compare(pinned, tools);
      const now = this.#now();
      this.#pinNew(tenant, server, cmp);
      const pend = this.#db.prepare(`INSERT INTO mcp_tool_pending (tenant, server, tool, hash, seen_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (tenant, server, tool) DO UPDATE SET seen_at = CASE WHEN hash = excluded.hash THEN seen_at ELSE excluded.seen_at END, hash = excluded.hash`);
      for (const tool of cmp.changed) pend.run(tenant, server, tool, cmp.hashes.get(tool)!, now);
      // A server that went back to the pinned definition has nothing pending any more.
      const clear = this.#db.prepare('DELETE FROM mcp_tool_pending WHERE tenant = ? AND server = ? AND tool = ?');
      for (const tool of cmp.unchanged) clear.run(tenant, server, tool);
      return { firstList: rows.length === 0, changed: cmp.changed, added: cmp.new, removed: cmp.removed, invalid: cmp.invalid };
    });
  }

  accept(server: string, tenant?: string): Promise<AcceptedPin[]> {
    return this.#run(() => {
      key('server', server);
      if (tenant !== undefined) key('tenant', tenant);
      const pending =
        tenant === undefined
          ? this.#db.prepare<[string], PendingRow>('SELECT * FROM mcp_tool_pending WHERE server = ? ORDER BY tenant, tool').all(server)
          : this.#db.prepare<[string, string], PendingRow>('SELECT * FROM mcp_tool_pending WHERE server = ? AND tenant = ? ORDER BY tool').all(server, tenant);
      const prior = this.#db.prepare<[string, string, string], string>('SELECT hash FROM mcp_tool_pins WHERE tenant = ? AND server = ? AND tool = ?').pluck();
      const upsert = this.#db.prepare(`INSERT INTO mcp_tool_pins (tenant, server, tool, hash, first_seen, accepted_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, server, tool) DO UPDATE SET hash = excluded.hash, accepted_at = excluded.accepted_at`);
      const del = this.#db.prepare('DELETE FROM mcp_tool_pending WHERE tenant = ? AND server = ? AND tool = ?');
      const now = this.#now();
      return pending.map((p) => {
        const previousHash = prior.get(p.tenant, p.server, p.tool) ?? null;
        upsert.run(p.tenant, p.server, p.tool, p.hash, p.seen_at, now);
        del.run(p.tenant, p.server, p.tool);
        return { tenant: p.tenant, server: p.server, tool: p.tool, hash: p.hash, previousHash };
      });
    });
  }

  list(server?: string): Promise<PinnedTool[]> {
    return this.#run(() => {
      if (server !== undefined) key('server', server);
      const where = server === undefined ? '' : ' WHERE server = ?';
      const args = server === undefined ? [] : [server];
      const pins = this.#db.prepare<string[], PinRow>(`SELECT * FROM mcp_tool_pins${where}`).all(...args);
      const pending = this.#db.prepare<string[], PendingRow>(`SELECT * FROM mcp_tool_pending${where}`).all(...args);
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
    });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
    }
    return Promise.resolve();
  }

  #pinNew(tenant: string, server: string, cmp: PinComparison): void {
    const ins = this.#db.prepare('INSERT OR IGNORE INTO mcp_tool_pins (tenant, server, tool, hash, first_seen, accepted_at) VALUES (?, ?, ?, ?, ?, NULL)');
    const now = this.#now();
    for (const tool of cmp.new) ins.run(tenant, server, tool, cmp.hashes.get(tool)!, now);
  }

  /** One IMMEDIATE transaction; failures become SluiceError(STATE_UNAVAILABLE) naming the file. */
  #run<T>(fn: () => T): Promise<T> {
    try {
      if (this.#closed) throw new SluiceError(ErrorCode.STATE_UNAVAILABLE, 'the tool pin store is closed');
      // Pins written to a removed or replaced file would be lost silently: refuse instead.
      if (this.#opened !== null) assertStateFile(this.#db.name, this.#opened);
      return Promise.resolve(this.#db.transaction(fn).immediate());
    } catch (err) {
      return Promise.reject(err instanceof SluiceError ? err : stateError(this.#db.name, err));
    }
  }
}

function key(field: string, v: unknown): void {
  if (typeof v !== 'string' || v === '' || v.length > MAX_KEY)
    throw new InvalidArgumentError(field, `expected a non-empty string of at most ${MAX_KEY} characters`);
}
