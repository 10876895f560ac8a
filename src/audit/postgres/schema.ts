/**
 * The PostgreSQL audit table (migration 020-audit) as the sink writes it and the
 * reader reads it: one place for its name, its columns and how a record fills them.
 */
import { F } from '../fields.js';
import type { AuditRecord } from '../fields.js';

export const PG_AUDIT_TABLE = 'audit_records';

/** The filtered columns, each the record field of the same name (mirrors audit.db's indexed fields). */
export const PG_FIELD_COLUMNS = [F.time, F.tenant, F.agent, F.session, F.outcome, F.reason, F.rule, F.host, F.budget, F.approvalId, F.protocol] as const;

/** Every column the sink inserts, in order. */
export const PG_INSERT_COLUMNS: readonly string[] = [F.decisionId, 'writer', ...PG_FIELD_COLUMNS, 'record'];

/** Bound values in a statement: PostgreSQL's limit is 65 535 (the sink's batches stay far below). */
export const PG_MAX_PARAMS = 65_535;

/** A field as its column holds it: text or NULL (a value of another type, in a record from elsewhere, as its JSON). */
function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * One record's values, in `PG_INSERT_COLUMNS` order: its id, the writer, the filtered
 * fields, and its JSON as the trail made it (kept whole).
 *
 * @example
 * values.push(...insertValues(record, json, 'gate-a'));
 */
export function insertValues(record: AuditRecord, json: string, writer: string): (string | null)[] {
  const out: (string | null)[] = [record.decision_id, writer];
  for (const c of PG_FIELD_COLUMNS) out.push(text(record[c]));
  out.push(json);
  return out;
}

/**
 * `INSERT ... VALUES ($1, ...), (...) ON CONFLICT DO NOTHING` for `rows` records: a
 * record already in the table (a replay after a crash, a retried batch) is skipped.
 *
 * @example
 * await client.query(insertSql(batch.length), batch.flatMap((b) => b.values));
 */
export function insertSql(rows: number): string {
  const n = PG_INSERT_COLUMNS.length;
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const p: string[] = [];
    for (let c = 1; c <= n; c++) p.push(`$${r * n + c}`);
    tuples.push(`(${p.join(', ')})`);
  }
  return `INSERT INTO ${PG_AUDIT_TABLE} (${PG_INSERT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${F.decisionId}) DO NOTHING`;
}

/** A stored row's record: its JSON whole (node-postgres parses a `json` column), every field the gate wrote. */
export function rowRecord(row: { record: unknown }): AuditRecord {
  return (typeof row.record === 'string' ? JSON.parse(row.record) : row.record) as AuditRecord;
}
