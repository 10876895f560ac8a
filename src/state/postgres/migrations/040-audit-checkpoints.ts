/**
 * Signed checkpoints and prune anchors of the audit hash chains (audit/chain.ts,
 * audit/checkpoint-sign.ts) on the shared trail: each replica's chain is signed like
 * audit.db's (`audit_checkpoint` there), so `sluice audit verify` checks the shared
 * trail the same way (audit/postgres/verify.ts).
 */
import type { Migration } from './index.js';

export const auditCheckpointsMigration: Migration = {
  name: '040-audit-checkpoints',
  up: [
    `CREATE TABLE audit_checkpoints (
      chain_id text NOT NULL,
      seq bigint NOT NULL,
      hash text NOT NULL,
      time text NOT NULL,
      kind text NOT NULL,
      key_id text NOT NULL,
      sig text NOT NULL,
      PRIMARY KEY (chain_id, seq, kind)
    )`,
  ],
};
