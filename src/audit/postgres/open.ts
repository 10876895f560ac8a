/**
 * The shared audit trail's connections (`state.backend: postgres`): a pool of its own
 * for the sink (the audit's batches never wait behind another store's queries, nor
 * theirs behind a PostgreSQL that stopped answering) and one for a reader.
 */
import type PgModule from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { StateConfig } from '../../config/state-section.js';
import { openPostgres } from '../../state/postgres/pool.js';
import { PostgresAuditReader } from './reader.js';
import { PostgresAuditSink } from './sink.js';
import { writerId } from './writer-id.js';
import { lazyRequire } from '../../lazy-require.js';

const pg = lazyRequire<typeof PgModule>('pg');

/** A query (an INSERT batch) PostgreSQL has not answered in this long fails, and the batch is retried: a server gone silent must not hold the spool forever. */
const QUERY_TIMEOUT_MS = 15_000;

function url(state: StateConfig): string {
  if (state.backend !== 'postgres' || state.postgres === undefined)
    throw new TypeError('the shared audit trail needs state.backend postgres and state.postgres');
  return state.postgres;
}

/**
 * The sink writing this replica's records to the shared trail.
 *
 * @example
 * sinks.push(openPostgresAuditSink(config, logger, onError));
 */
export function openPostgresAuditSink(config: Config, logger: Logger, onError: (err: Error) => void): PostgresAuditSink {
  const state = config.state;
  const pool = new (pg().Pool)({
    connectionString: url(state),
    max: 2,
    connectionTimeoutMillis: 3_000,
    query_timeout: QUERY_TIMEOUT_MS,
    application_name: 'sluice-audit',
    options: `-c search_path=${state.namespace}`,
  });
  pool.on('error', () => undefined);
  return new PostgresAuditSink({
    pool,
    ownsPool: true,
    namespace: state.namespace,
    writer: writerId(config.data_dir),
    spoolMaxBytes: config.audit.spool_max,
    onError,
    onRecover: () => logger.warn('audit sink recovered: PostgreSQL takes records again; the spool is being replayed'),
  });
}

/**
 * A reader of the shared trail, for `sluice audit query|tail`; `close()` ends its pool.
 *
 * @example
 * const reader = openPostgresAuditReader(config.state);
 * try { await reader.query({ agent: 'ci' }); } finally { await reader.close(); }
 */
export function openPostgresAuditReader(state: StateConfig): PostgresAuditReader {
  const u = url(state);
  return new PostgresAuditReader(openPostgres({ url: u, namespace: state.namespace, max: 1, applicationName: 'sluice-audit-reader' }), state.namespace, u);
}
