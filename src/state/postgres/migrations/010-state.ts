/**
 * The durable shared state's tables (state/postgres/pg-*.ts): revocations, the kill
 * switch and quarantines, approvals, each an append-only log whose ids only grow (an
 * undo, a lift, a decision is a row too), and the tool and agent-card pins. Every log
 * insert notifies `<schema>.<table>` with the new id, so every replica's listener loads
 * it at once (pg-watched-log.ts); `participants` records how far each live gate applied
 * each log, so `sluice revoke` and `sluice kill` can wait for every replica.
 *
 * @example
 * import { STATE_MIGRATIONS } from './010-state.js'; // listed in MIGRATIONS (index.ts)
 */
import type { Migration } from './index.js';

/** Notify the table's channel (`schema.table`, the namespace's own) with the id of each new row. */
const NOTIFY_FN = `CREATE FUNCTION sluice_log_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, NEW.id::text);
  RETURN NEW;
END $$`;

const notifyOn = (table: string): string => `CREATE TRIGGER ${table}_notify AFTER INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION sluice_log_notify()`;

export const STATE_MIGRATIONS: readonly Migration[] = [
  {
    name: '010-state-logs',
    up: [
      NOTIFY_FN,
      `CREATE TABLE revocations (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('session', 'agent', 'token')),
        value text NOT NULL,
        tenant text,
        reason text,
        revoked_at bigint NOT NULL,
        undoes bigint
      )`,
      'CREATE UNIQUE INDEX revocations_undoes ON revocations (undoes) WHERE undoes IS NOT NULL',
      notifyOn('revocations'),
      `CREATE TABLE stops (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('kill', 'quarantine', 'lift')),
        tenant text,
        target text,
        reason text,
        at bigint NOT NULL,
        expires_at bigint,
        lifts bigint
      )`,
      'CREATE UNIQUE INDEX stops_lifts ON stops (lifts) WHERE lifts IS NOT NULL',
      notifyOn('stops'),
      `CREATE TABLE approval_log (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('open', 'decide', 'use')),
        approval text NOT NULL,
        at bigint NOT NULL,
        body text NOT NULL
      )`,
      // Once, across every replica: a second decide or use of one approval conflicts.
      "CREATE UNIQUE INDEX approval_log_once ON approval_log (approval, kind) WHERE kind IN ('decide', 'use')",
      notifyOn('approval_log'),
      `CREATE TABLE participants (
        id text PRIMARY KEY,
        ledger text NOT NULL,
        kind text NOT NULL,
        pid integer NOT NULL,
        host text NOT NULL,
        started_at bigint NOT NULL,
        heartbeat_at bigint NOT NULL,
        applied_id bigint NOT NULL
      )`,
      'CREATE INDEX participants_ledger ON participants (ledger, heartbeat_at)',
    ],
  },
  {
    name: '011-state-pins',
    up: [
      `CREATE TABLE mcp_tool_pins (
        tenant text NOT NULL,
        server text NOT NULL,
        tool text NOT NULL,
        hash text NOT NULL,
        first_seen bigint NOT NULL,
        accepted_at bigint,
        PRIMARY KEY (tenant, server, tool)
      )`,
      'CREATE INDEX mcp_tool_pins_server ON mcp_tool_pins (server)',
      `CREATE TABLE mcp_tool_pending (
        tenant text NOT NULL,
        server text NOT NULL,
        tool text NOT NULL,
        hash text NOT NULL,
        seen_at bigint NOT NULL,
        PRIMARY KEY (tenant, server, tool)
      )`,
      'CREATE INDEX mcp_tool_pending_server ON mcp_tool_pending (server)',
    ],
  },
  {
    name: '012-state-sqlite-imports',
    up: [
      // What 'sluice migrate --from-sqlite DIR' copied, row by row: a second run copies nothing twice.
      `CREATE TABLE sqlite_imports (
        source text NOT NULL,
        tbl text NOT NULL,
        sqlite_id text NOT NULL,
        pg_id bigint,
        PRIMARY KEY (source, tbl, sqlite_id)
      )`,
    ],
  },
  {
    name: '013-state-secrets',
    up: [
      // The encrypted secret store: entries sealed exactly as in secrets.json (AES-256-GCM
      // under the master key, the name as AAD); the key itself never leaves the replicas.
      `CREATE TABLE secrets (
        name text PRIMARY KEY,
        iv text NOT NULL,
        tag text NOT NULL,
        ct text NOT NULL,
        set_at text NOT NULL
      )`,
      `CREATE FUNCTION sluice_secrets_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, '');
        RETURN NULL;
      END $$`,
      'CREATE TRIGGER secrets_notify AFTER INSERT OR UPDATE OR DELETE ON secrets FOR EACH STATEMENT EXECUTE FUNCTION sluice_secrets_notify()',
    ],
  },
];
