/**
 * The audit trail every replica writes to (audit/postgres/sink.ts): one row per
 * record, keyed by its decision id (a replay after a crash inserts nothing twice),
 * the record's JSON whole as the gate wrote it (`json`, not `jsonb`: the text is kept
 * byte for byte, so fields added later and a hash over the record survive), the
 * replica that wrote it, and the columns `sluice audit query` filters on, indexed as
 * in audit.db (audit/sqlite-schema.ts). `seq` is the order rows were inserted in, for
 * `sluice audit tail`.
 */
import type { Migration } from './index.js';

export const auditMigration: Migration = {
  name: '020-audit',
  up: [
    `CREATE TABLE audit_records (
      decision_id text PRIMARY KEY,
      seq bigserial NOT NULL UNIQUE,
      writer text NOT NULL,
      inserted_at timestamptz NOT NULL DEFAULT now(),
      time text NOT NULL,
      tenant text,
      agent text,
      session text,
      outcome text,
      reason text,
      rule text,
      host text,
      budget text,
      approval_id text,
      protocol text,
      record json NOT NULL
    )`,
    'CREATE INDEX audit_records_time ON audit_records (time)',
    'CREATE INDEX audit_records_agent_time ON audit_records (agent, time)',
    'CREATE INDEX audit_records_session_time ON audit_records (session, time)',
    'CREATE INDEX audit_records_outcome_time ON audit_records (outcome, time)',
    'CREATE INDEX audit_records_tenant_time ON audit_records (tenant, time)',
    'CREATE INDEX audit_records_writer_seq ON audit_records (writer, seq)',
  ],
};
