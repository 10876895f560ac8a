/**
 * The PostgreSQL connection pool every shared store uses: one per process and
 * `state:` config, its `search_path` set to the namespace's schema, so the stores'
 * SQL names bare tables and two namespaces on one database never see each other.
 *
 * @example
 * const pool = openPostgres({ url: 'postgres://127.0.0.1:5432/test', namespace: 'sluice' });
 * await pool.query('SELECT 1');
 * await pool.end();
 */
import type pg from 'pg';
import { lazyRequire } from '../../lazy-require.js';

const pgModule = lazyRequire<typeof pg>('pg');

export interface PostgresOptions {
  readonly url: string;
  /** Schema name (config/state-section.ts checks it is a plain identifier). */
  readonly namespace: string;
  /** Pool size; a gate needs few: writes are batched and reads are served from memory. */
  readonly max?: number;
  /** Give up on a connection attempt after this long (ms): an unreachable server must fail a request, not hang it. */
  readonly connectTimeoutMs?: number;
  /** The `application_name` the server shows in pg_stat_activity. */
  readonly applicationName?: string;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A pool whose connections use `namespace` as their schema. Errors from idle
 * connections (the server restarted) are swallowed here: the next query reconnects
 * or fails on its own, and its caller decides.
 */
export function openPostgres(opts: PostgresOptions): pg.Pool {
  if (!IDENT.test(opts.namespace)) throw new TypeError(`not a schema name: ${JSON.stringify(opts.namespace)}`);
  const pool = new (pgModule().Pool)({
    connectionString: opts.url,
    max: opts.max ?? 4,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 3000,
    application_name: opts.applicationName ?? 'sluice',
    options: `-c search_path=${opts.namespace}`,
  });
  pool.on('error', () => undefined);
  return pool;
}

/** The schema's name quoted for DDL (it is checked to be a plain identifier). */
export function schemaName(namespace: string): string {
  if (!IDENT.test(namespace)) throw new TypeError(`not a schema name: ${JSON.stringify(namespace)}`);
  return `"${namespace}"`;
}

/** The PostgreSQL URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
