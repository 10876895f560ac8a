/**
 * `sluice migrate`: create or upgrade the shared backend's PostgreSQL schema (the
 * namespace of `state:`), and with `--from-sqlite DIR` copy an embedded gate's state
 * into it (state/postgres/import-sqlite.ts).
 *
 * @example
 * sluice migrate --config /etc/sluice/sluice.yaml
 * sluice migrate --config /etc/sluice/sluice.yaml --from-sqlite /var/lib/sluice
 */
import { loadConfig } from '../config/load.js';
import { migrate, appliedMigrations } from '../state/postgres/migrate.js';
import { openPostgres, redactUrl } from '../state/postgres/pool.js';
import { importSqliteState } from '../state/postgres/import-sqlite.js';
import { CommandError, UsageError } from '../usage-error.js';
import { parseOptionsOnly, shared, STRING } from './flags.js';
import { configPath } from './paths.js';

export const help = `sluice migrate [--config FILE]
sluice migrate --from-sqlite DIR [--config FILE]

Create or upgrade the PostgreSQL schema of the shared state backend (state: backend:
postgres): applies, in order and once, the migrations the namespace lacks, and prints
their names. Gates apply them too when they start; running it first (a deploy step)
keeps replicas from racing for it. Safe to run again: nothing left to apply is said.

  --from-sqlite DIR   also copy an embedded gate's state from DIR/state.db into the
                      namespace: revocations, kills and quarantines, approvals, tool
                      and agent-card pins, and the encrypted secrets (as they are:
                      every replica needs the same master key; budget counters are
                      not copied). Prints what it copied; running it again copies
                      nothing twice.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, { ...shared('config'), 'from-sqlite': STRING });
  const loaded = await loadConfig(configPath(values.config));
  const state = loaded.config.state;
  if (state.backend !== 'postgres' || state.postgres === undefined) {
    throw new UsageError(
      `${loaded.file}: state.backend is ${state.backend}; sluice migrate works on 'state: { backend: postgres, postgres: URL, redis: URL }'`,
    );
  }
  const pool = openPostgres({ url: state.postgres, namespace: state.namespace, applicationName: 'sluice migrate', max: 2 });
  try {
    let applied: string[];
    try {
      applied = await migrate(pool, state.namespace);
    } catch (err) {
      throw new CommandError(`PostgreSQL at ${redactUrl(state.postgres)} (namespace ${state.namespace}): ${(err as Error).message}`);
    }
    if (applied.length === 0) {
      process.stdout.write(`namespace ${state.namespace}: schema up to date (${(await appliedMigrations(pool, state.namespace)).length} migrations)\n`);
    } else {
      for (const name of applied) process.stdout.write(`applied ${name}\n`);
      process.stdout.write(`namespace ${state.namespace}: ${applied.length} migration${applied.length === 1 ? '' : 's'} applied\n`);
    }
    const from = values['from-sqlite'];
    if (from !== undefined) {
      const c = await importSqliteState(pool, state.namespace, from);
      process.stdout.write(
        `copied from ${from}: ${c.revocations} revocation rows, ${c.stops} kill and quarantine rows, ${c.approvals} approval rows, ${c.pins} pins, ${c.secrets} secrets\n`,
      );
    }
    return 0;
  } finally {
    await pool.end().catch(() => undefined);
  }
}
