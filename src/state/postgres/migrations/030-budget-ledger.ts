/**
 * The budgets' ledger in PostgreSQL (state/postgres/pg-budget-ledger.ts): a copy of
 * every budget key Redis holds (account hashes, per-window use hashes, raise lists,
 * the account set), taken every second by one replica, read back only when Redis
 * comes up without them (a restart without persistence), so a Redis loss does not
 * reset anybody's budget. `key` is the Redis key without the namespace prefix;
 * `data` its value as JSON (an object of fields, or an array of members);
 * `expire_at` epoch ms, 0 for never.
 */
import type { Migration } from './index.js';

export const budgetLedgerMigration: Migration = {
  name: '030-budget-ledger',
  up: [
    `CREATE TABLE budget_ledger (
      key text PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('hash', 'list', 'set', 'string')),
      data jsonb NOT NULL,
      expire_at bigint NOT NULL,
      saved_at bigint NOT NULL
    )`,
  ],
};
