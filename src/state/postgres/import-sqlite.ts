/**
 * `sluice migrate --from-sqlite DIR`: move an embedded gate's durable state (`DIR/state.db`)
 * into a PostgreSQL namespace: revocations, kills and quarantines (undo and lift rows
 * keep pointing at what they lift), approvals, the tool and agent-card pins, and the
 * sealed entries of `secrets.json` (ciphertext as it is: give every replica the master key). Rows
 * are copied in id order, so the order of the logs is kept; each copied row is recorded
 * in `sqlite_imports`, so a second run copies nothing twice. Budgets' ledgers are not
 * copied (their counters live in Redis on the shared backend; a window restarts).
 *
 * @example
 * const counts = await importSqliteState(pool, 'prod', '/var/lib/sluice'); // { revocations: 3, stops: 1, approvals: 0, pins: 12 }
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type pg from 'pg';
import { STATE_DB_FILE } from '../sqlite-db.js';
import { parseStoreFile, STORE_FILE } from '../../credentials/store-format.js';

export interface ImportCounts {
  revocations: number;
  stops: number;
  approvals: number;
  pins: number;
  /** Sealed entries of secrets.json: copied as they are (the replicas need the same master key). */
  secrets: number;
}

/** The advisory lock class of log writers (pg-watched-log.ts): the import holds each log's while it copies. */
const WRITE_LOCK = 0x5c1cf;

type SqliteRow = Record<string, string | number | null> & { id: number };

/**
 * Copy what `dataDir/state.db` holds into the namespace `pool` is on (migrated first
 * by the caller). One transaction: all of it or nothing.
 */
export async function importSqliteState(pool: pg.Pool, namespace: string, dataDir: string): Promise<ImportCounts> {
  const file = join(dataDir, STATE_DB_FILE);
  if (!existsSync(file)) throw new Error(`${file}: no such file (sluice migrate --from-sqlite takes the embedded gate's data directory)`);
  const source = realpathSync(file);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const t of ['revocations', 'stops', 'approval_log'])
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [WRITE_LOCK, `${namespace}.${t}`]);
    const seen = async (tbl: string, id: string): Promise<number | null | undefined> => {
      const r = await client.query<{ pg_id: string | null }>('SELECT pg_id FROM sqlite_imports WHERE source = $1 AND tbl = $2 AND sqlite_id = $3', [
        source,
        tbl,
        id,
      ]);
      const row = r.rows[0];
      return row === undefined ? undefined : row.pg_id === null ? null : Number(row.pg_id);
    };
    const mark = (tbl: string, id: string, pgId: number | null): Promise<unknown> =>
      client.query('INSERT INTO sqlite_imports (source, tbl, sqlite_id, pg_id) VALUES ($1, $2, $3, $4)', [source, tbl, id, pgId]);
    /** Copy one log: `link` names the column holding the id of the row it lifts (mapped to its copy). */
    const copyLog = async (tbl: string, cols: string[], link: string | null): Promise<number> => {
      if (!hasTable(db, tbl)) return 0;
      let n = 0;
      for (const row of db.prepare<[], SqliteRow>(`SELECT id, ${cols.join(', ')} FROM ${tbl} ORDER BY id`).all()) {
        if ((await seen(tbl, String(row.id))) !== undefined) continue;
        const values = cols.map((c) => row[c] ?? null);
        if (link !== null && row[link] !== null) {
          const target = await seen(tbl, String(row[link]));
          values[cols.indexOf(link)] = target ?? null;
          if (target === undefined || target === null) continue; // lifts a row that was never copied
        }
        const params = cols.map((_, i) => `$${i + 1}`).join(', ');
        const ins = await client.query<{ id: string }>(
          `INSERT INTO ${tbl} (${cols.join(', ')}) VALUES (${params}) ON CONFLICT DO NOTHING RETURNING id`,
          values,
        );
        const pgId = ins.rows[0]?.id;
        await mark(tbl, String(row.id), pgId === undefined ? null : Number(pgId));
        if (pgId !== undefined) n++;
      }
      return n;
    };
    const revocations = await copyLog('revocations', ['kind', 'value', 'tenant', 'reason', 'revoked_at', 'undoes'], 'undoes');
    const stops = await copyLog('stops', ['kind', 'tenant', 'target', 'reason', 'at', 'expires_at', 'lifts'], 'lifts');
    const approvals = await copyLog('approval_log', ['kind', 'approval', 'at', 'body'], null);
    let pins = 0;
    if (hasTable(db, 'mcp_tool_pins')) {
      for (const r of db.prepare<[], SqliteRow>('SELECT tenant, server, tool, hash, first_seen, accepted_at FROM mcp_tool_pins').all()) {
        const res = await client.query(
          'INSERT INTO mcp_tool_pins (tenant, server, tool, hash, first_seen, accepted_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
          [r.tenant, r.server, r.tool, r.hash, r.first_seen, r.accepted_at],
        );
        pins += res.rowCount ?? 0;
      }
      for (const r of db.prepare<[], SqliteRow>('SELECT tenant, server, tool, hash, seen_at FROM mcp_tool_pending').all()) {
        await client.query('INSERT INTO mcp_tool_pending (tenant, server, tool, hash, seen_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
          r.tenant,
          r.server,
          r.tool,
          r.hash,
          r.seen_at,
        ]);
      }
    }
    let secrets = 0;
    const store = join(dataDir, STORE_FILE);
    if (existsSync(store)) {
      for (const [name, e] of parseStoreFile(readFileSync(store, 'utf8'), store)) {
        const res = await client.query('INSERT INTO secrets (name, iv, tag, ct, set_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
          name,
          e.iv,
          e.tag,
          e.ct,
          e.set_at,
        ]);
        secrets += res.rowCount ?? 0;
      }
    }
    await client.query('COMMIT');
    return { revocations, stops, approvals, pins, secrets };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
    db.close();
  }
}

function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}
