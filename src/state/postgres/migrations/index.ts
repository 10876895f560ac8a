/**
 * Every migration of the PostgreSQL schema, in the order they apply. Each store adds
 * its own file here (one name, never edited once released: a change is a new
 * migration). `sluice migrate` and every gate opening the postgres backend apply the
 * ones a database lacks, under an advisory lock so replicas starting together apply
 * each once.
 */
import { STATE_MIGRATIONS } from './010-state.js';
import { auditMigration } from './020-audit.js';
import { budgetLedgerMigration } from './030-budget-ledger.js';
import { auditCheckpointsMigration } from './040-audit-checkpoints.js';

export interface Migration {
  /** Unique and stable: `NNN-what`, recorded in `sluice_migrations`. */
  readonly name: string;
  /** Statements run in one transaction, with `search_path` set to the namespace. */
  readonly up: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [...STATE_MIGRATIONS, auditMigration, budgetLedgerMigration, auditCheckpointsMigration];
