/**
 * Apply the migrations a namespace lacks (`sluice migrate`, and every gate opening
 * the postgres backend). One transaction per migration, all under a transaction-level
 * advisory lock keyed by the namespace, so replicas starting at once apply each
 * migration exactly once and wait for each other.
 *
 * @example
 * const applied = await migrate(pool, 'sluice'); // ['001-revocations', ...]
 */
import type pg from 'pg';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { schemaName } from './pool.js';

/** The advisory lock's key: a constant class id and the namespace's hash, so namespaces do not block each other. */
const LOCK_CLASS = 0x5c1ce;

export async function migrate(pool: pg.Pool, namespace: string, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  const schema = schemaName(namespace);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, namespace]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.sluice_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>(`SELECT name FROM ${schema}.sluice_migrations`)).rows.map((r) => r.name));
    await client.query(`SET LOCAL search_path TO ${schema}`);
    for (const m of migrations) {
      if (done.has(m.name)) continue;
      for (const sql of m.up) await client.query(sql);
      await client.query(`INSERT INTO ${schema}.sluice_migrations (name) VALUES ($1)`, [m.name]);
      applied.push(m.name);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Names of the migrations a namespace has (empty when it has none). */
export async function appliedMigrations(pool: pg.Pool, namespace: string): Promise<string[]> {
  const schema = schemaName(namespace);
  const exists = await pool.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [namespace, 'sluice_migrations']);
  if (exists.rowCount === 0) return [];
  return (await pool.query<{ name: string }>(`SELECT name FROM ${schema}.sluice_migrations ORDER BY applied_at, name`)).rows.map((r) => r.name);
}
