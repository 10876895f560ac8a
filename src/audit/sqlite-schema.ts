/**
 * The audit.db layout: one row per record, one column per field, shared by the
 * sink (writes) and the query layer (reads) so both agree on names and types.
 */
import type Database from 'better-sqlite3';
import { F } from './fields.js';
import type { AuditOutcome, AuditRecord, Finding } from './fields.js';

/** The layout this build writes and reads. Bump it with a migration in `ensureSchema`. */
export const SCHEMA_VERSION = 5;
export const AUDIT_TABLE = 'audit';
export const AUDIT_DB_NAME = 'audit.db';

type ColumnType = 'TEXT' | 'INTEGER' | 'REAL';

/** Every record field, in record order, with its SQLite type. JSON fields are TEXT holding JSON. */
const COLUMNS: readonly (readonly [keyof AuditRecord, ColumnType])[] = [
  [F.decisionId, 'TEXT'],
  [F.time, 'TEXT'],
  [F.tenant, 'TEXT'],
  [F.agent, 'TEXT'],
  [F.session, 'TEXT'],
  [F.human, 'TEXT'],
  [F.method, 'TEXT'],
  [F.scheme, 'TEXT'],
  [F.host, 'TEXT'],
  [F.port, 'INTEGER'],
  [F.path, 'TEXT'],
  [F.intent, 'TEXT'],
  [F.outcome, 'TEXT'],
  [F.reason, 'TEXT'],
  [F.rule, 'TEXT'],
  [F.policyVersion, 'TEXT'],
  [F.credential, 'TEXT'],
  [F.route, 'TEXT'],
  [F.status, 'INTEGER'],
  [F.bytesIn, 'INTEGER'],
  [F.bytesOut, 'INTEGER'],
  [F.durationMs, 'REAL'],
  [F.findings, 'TEXT'],
  [F.transport, 'TEXT'],
  [F.address, 'TEXT'],
  [F.error, 'TEXT'],
  [F.synthesised, 'INTEGER'],
  [F.rewritten, 'TEXT'],
  [F.protocol, 'TEXT'],
  [F.server, 'TEXT'],
  [F.tool, 'TEXT'],
  [F.parentId, 'TEXT'],
  [F.budget, 'TEXT'],
  [F.model, 'TEXT'],
  [F.tokensIn, 'INTEGER'],
  [F.tokensOut, 'INTEGER'],
  [F.cost, 'REAL'],
  [F.approvalId, 'TEXT'],
  [F.chainId, 'TEXT'],
  [F.chainSeq, 'INTEGER'],
  [F.chainPrev, 'TEXT'],
  [F.chainHash, 'TEXT'],
];

/** Columns added by each version after 1 (ALTER TABLE ... ADD COLUMN), for migrating older files. */
const ADDED_IN: Readonly<Record<number, readonly string[]>> = {
  2: [F.protocol, F.server, F.tool, F.parentId],
  3: [F.budget, F.model, F.tokensIn, F.tokensOut, F.cost],
  4: [F.approvalId],
  5: [F.chainId, F.chainSeq, F.chainPrev, F.chainHash],
};

/** Signed checkpoints and prune anchors of the hash chain (checkpoint-sign.ts); created with version 5. */
export const CHECKPOINT_TABLE = 'audit_checkpoint';
const CHAIN_DDL = [
  `CREATE INDEX IF NOT EXISTS audit_chain_seq ON ${AUDIT_TABLE} (${F.chainId}, ${F.chainSeq})`,
  `CREATE TABLE IF NOT EXISTS ${CHECKPOINT_TABLE} (
  chain_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  time TEXT NOT NULL,
  kind TEXT NOT NULL,
  key_id TEXT NOT NULL,
  sig TEXT NOT NULL,
  PRIMARY KEY (chain_id, seq, kind)
)`,
];

export const COLUMN_NAMES: readonly string[] = COLUMNS.map(([name]) => name);

// Only decision_id and time are NOT NULL: a record with an odd value must still be
// storable, or one bad record would wedge the batch and, fail-closed, the gate.
const CREATE_TABLE = `CREATE TABLE ${AUDIT_TABLE} (\n  ${COLUMNS.map(([name, type]) =>
  name === F.decisionId ? `${name} TEXT PRIMARY KEY NOT NULL` : name === F.time ? `${name} TEXT NOT NULL` : `${name} ${type}`,
).join(',\n  ')}\n)`;

const INDEXES = [
  `CREATE INDEX audit_time ON ${AUDIT_TABLE} (${F.time})`,
  `CREATE INDEX audit_agent_time ON ${AUDIT_TABLE} (${F.agent}, ${F.time})`,
  `CREATE INDEX audit_session_time ON ${AUDIT_TABLE} (${F.session}, ${F.time})`,
  `CREATE INDEX audit_outcome_time ON ${AUDIT_TABLE} (${F.outcome}, ${F.time})`,
  `CREATE INDEX audit_tenant_time ON ${AUDIT_TABLE} (${F.tenant}, ${F.time})`,
];

/** The database holds a layout this build does not know: refuse rather than guess. */
export class AuditSchemaError extends Error {
  readonly code = 'SLUICE_AUDIT_SCHEMA';
  constructor(message: string) {
    super(message);
    this.name = 'AuditSchemaError';
  }
}

/** The version stored in the file, or null when it has no schema_version table (a new file). */
export function storedSchemaVersion(db: Database.Database): number | null {
  const t = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).get();
  if (t === undefined) return null;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null } | undefined;
  return row?.v ?? null;
}

/**
 * Create the table, indexes and schema_version row in a new file; check the version
 * of an existing one. Throws AuditSchemaError for a newer or unrecognised layout.
 *
 * @example
 * ensureSchema(new Database('/var/lib/sluice/audit.db'), '/var/lib/sluice/audit.db');
 */
export function ensureSchema(db: Database.Database, file: string): void {
  const create = db.transaction(() => {
    // Re-read inside the write transaction: another process may have created it meanwhile.
    if (storedSchemaVersion(db) !== null) return;
    const other = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`).get(AUDIT_TABLE);
    if (other !== undefined)
      throw new AuditSchemaError(
        `${file} has an '${AUDIT_TABLE}' table but no schema_version; it was not written by sluice. Point data_dir elsewhere or move the file away.`,
      );
    db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    db.exec(CREATE_TABLE);
    for (const ddl of INDEXES) db.exec(ddl);
    for (const ddl of CHAIN_DDL) db.exec(ddl);
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
  });
  const found = storedSchemaVersion(db);
  if (found === null) create.immediate();
  else if (found >= 1 && found < SCHEMA_VERSION) migrateFrom(db, file);
  else checkVersion(found, file);
}

/** Add the columns later versions brought, in one write transaction (another process may race us). */
function migrateFrom(db: Database.Database, file: string): void {
  db.transaction(() => {
    const at = storedSchemaVersion(db);
    if (at === null) throw new AuditSchemaError(`${file} lost its schema_version table during migration`);
    for (let v = at + 1; v <= SCHEMA_VERSION; v++) {
      for (const col of ADDED_IN[v] ?? []) db.exec(`ALTER TABLE ${AUDIT_TABLE} ADD COLUMN ${col} ${COLUMNS.find(([name]) => name === col)?.[1] ?? 'TEXT'}`);
      if (v === 5) for (const ddl of CHAIN_DDL) db.exec(ddl);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(v);
    }
  }).immediate();
}

/** Throw unless `found` is a layout this build reads. */
export function checkVersion(found: number | null, file: string): void {
  if (found === SCHEMA_VERSION) return;
  if (found === null) throw new AuditSchemaError(`${file} is not a sluice audit database (no schema_version table)`);
  throw new AuditSchemaError(
    found > SCHEMA_VERSION
      ? `${file} has audit schema version ${found}, newer than this sluice understands (${SCHEMA_VERSION}); upgrade sluice, or point data_dir at another folder`
      : `${file} has audit schema version ${found}, which this sluice cannot migrate (it writes ${SCHEMA_VERSION}); move the file away`,
  );
}

/** SQL value for one bound parameter. */
type SqlValue = string | number | null;

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return json(v);
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function json(v: unknown): string {
  try {
    return JSON.stringify(v ?? []) ?? '[]';
  } catch {
    return '[]';
  }
}

/** How each column's value is made from the record's field, decided once per column rather than per value. */
type Conversion = 'text' | 'num' | 'json' | 'flag' | 'key';
const CONVERSIONS: readonly Conversion[] = COLUMNS.map(([name, type]) => {
  if (name === F.findings || name === F.rewritten) return 'json';
  if (name === F.synthesised) return 'flag';
  if (name === F.decisionId || name === F.time) return 'key';
  return type === 'TEXT' ? 'text' : 'num';
});

function convert(v: unknown, conv: Conversion): SqlValue {
  switch (conv) {
    case 'text':
      return typeof v === 'string' ? v : text(v);
    case 'num':
      return num(v);
    case 'json':
      return json(v);
    case 'flag':
      return v === true ? 1 : 0;
    case 'key':
      return text(v) ?? '';
  }
}

/**
 * The record's fields in column order (COLUMNS; a test pins it). Named reads, not
 * `r[name]` per column: the row took 1.4 µs a record that way, 0.65 now.
 */
export function fieldsInColumnOrder(r: AuditRecord): unknown[] {
  return [
    r.decision_id,
    r.time,
    r.tenant,
    r.agent,
    r.session,
    r.human,
    r.method,
    r.scheme,
    r.host,
    r.port,
    r.path,
    r.intent,
    r.outcome,
    r.reason,
    r.rule,
    r.policy_version,
    r.credential,
    r.route,
    r.status,
    r.bytes_in,
    r.bytes_out,
    r.duration_ms,
    r.findings,
    r.transport,
    r.address,
    r.error,
    r.synthesised,
    r.rewritten,
    r.protocol,
    r.server,
    r.tool,
    r.parent_id,
    r.budget,
    r.model,
    r.tokens_in,
    r.tokens_out,
    r.cost,
    r.approval_id,
    r.chain_id,
    r.chain_seq,
    r.chain_prev,
    r.chain_hash,
  ];
}

/** A record as the INSERT's positional parameters. Never throws: bad values become null. */
export function recordToRow(r: AuditRecord): SqlValue[] {
  const row = fieldsInColumnOrder(r);
  for (let i = 0; i < row.length; i++) row[i] = convert(row[i], CONVERSIONS[i]!);
  return row as SqlValue[];
}

/** The INSERT for one record. OR IGNORE: a repeated decision id must not wedge a batch. */
export const INSERT_SQL = `INSERT OR IGNORE INTO ${AUDIT_TABLE} (${COLUMN_NAMES.join(', ')}) VALUES (${COLUMN_NAMES.map(() => '?').join(', ')})`;

/** The INSERT for one signed checkpoint or prune anchor (checkpoint-sign.ts). */
export const INSERT_CHECKPOINT_SQL = `INSERT OR REPLACE INTO ${CHECKPOINT_TABLE} (chain_id, seq, hash, time, kind, key_id, sig) VALUES (?, ?, ?, ?, ?, ?, ?)`;

function parseJsonArray<T>(v: unknown): T[] {
  if (typeof v !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? (parsed as T[]) : [];
  } catch {
    return [];
  }
}

/** A row read back as the record that was written. */
export function rowToRecord(row: Record<string, unknown>): AuditRecord {
  const ns = (k: string): string | null => text(row[k]);
  const s = (k: string): string => ns(k) ?? '';
  const n = (k: string): number => (typeof row[k] === 'number' ? row[k] : 0);
  const nn = (k: string): number | null => (typeof row[k] === 'number' ? row[k] : null);
  return {
    decision_id: s(F.decisionId),
    time: s(F.time),
    tenant: ns(F.tenant),
    agent: ns(F.agent),
    session: ns(F.session),
    human: ns(F.human),
    method: s(F.method),
    scheme: s(F.scheme),
    host: s(F.host),
    port: n(F.port),
    path: s(F.path),
    intent: ns(F.intent),
    outcome: s(F.outcome) as AuditOutcome,
    reason: s(F.reason),
    rule: ns(F.rule),
    policy_version: s(F.policyVersion),
    credential: ns(F.credential),
    route: ns(F.route),
    status: n(F.status),
    bytes_in: n(F.bytesIn),
    bytes_out: n(F.bytesOut),
    duration_ms: n(F.durationMs),
    findings: parseJsonArray<Finding>(row[F.findings]),
    transport: s(F.transport) as AuditRecord['transport'],
    address: ns(F.address),
    error: ns(F.error),
    synthesised: row[F.synthesised] === 1,
    rewritten: parseJsonArray<string>(row[F.rewritten]),
    protocol: ns(F.protocol) as AuditRecord['protocol'],
    server: ns(F.server),
    tool: ns(F.tool),
    parent_id: ns(F.parentId),
    budget: ns(F.budget),
    model: ns(F.model),
    tokens_in: nn(F.tokensIn),
    tokens_out: nn(F.tokensOut),
    cost: nn(F.cost),
    approval_id: ns(F.approvalId),
    ...chainFields(row),
  };
}

/** The chain fields of a row, only when it has them (records from before the chain stay as they were). */
function chainFields(row: Record<string, unknown>): Pick<AuditRecord, 'chain_id' | 'chain_seq' | 'chain_prev' | 'chain_hash'> {
  const id = row[F.chainId];
  if (typeof id !== 'string') return {};
  return {
    chain_id: id,
    chain_seq: typeof row[F.chainSeq] === 'number' ? (row[F.chainSeq] as number) : null,
    chain_prev: text(row[F.chainPrev]),
    chain_hash: text(row[F.chainHash]),
  };
}
