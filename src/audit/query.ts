/**
 * Read audit.db without disturbing the gate: a read-only connection (WAL lets it
 * read while the gate writes), parameterised SQL only.
 */
import Database from 'better-sqlite3';
import { F } from './fields.js';
import type { AuditOutcome, AuditRecord } from './fields.js';
import { AUDIT_TABLE, checkVersion, rowToRecord, storedSchemaVersion } from './sqlite-schema.js';

export interface AuditFilter {
  agent?: string;
  tenant?: string;
  session?: string;
  outcome?: AuditOutcome | readonly AuditOutcome[];
  rule?: string;
  /** The reason code (`no_rule_matched`, `identity_required`, ...). */
  reason?: string;
  host?: string;
  /** Records naming this budget (the one that refused, or one of those the request was counted in). */
  budget?: string;
  /** Records of one human approval (every outcome it met). */
  approval?: string;
  /** Records about these protocols only (`mcp`, `a2a`). */
  protocol?: readonly string[];
  /** Records at or after this instant. */
  since?: Date;
  /** Records before this instant. */
  until?: Date;
  /** At most this many records (default 100). */
  limit?: number;
  /** By time; 'desc' (default) gives the newest first. */
  order?: 'asc' | 'desc';
}

/** Open audit.db read-only and check it is a layout this build reads. Throws if missing or foreign. */
export function openAuditReader(dbPath: string): Database.Database {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    checkVersion(storedSchemaVersion(db), dbPath);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The WHERE clause and its parameters for a filter; values are always bound, never spliced. */
export function whereClause(f: AuditFilter): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  const eq = (col: string, v: string | undefined): void => {
    if (v === undefined) return;
    parts.push(`${col} = ?`);
    params.push(v);
  };
  eq(F.agent, f.agent);
  eq(F.tenant, f.tenant);
  eq(F.session, f.session);
  eq(F.rule, f.rule);
  eq(F.reason, f.reason);
  eq(F.host, f.host);
  if (f.budget !== undefined) {
    // `budget` holds one name, or several comma-separated (names cannot hold a comma).
    parts.push(`instr(',' || ${F.budget} || ',', ?) > 0`);
    params.push(`,${f.budget},`);
  }
  eq(F.approvalId, f.approval);
  if (f.protocol !== undefined && f.protocol.length > 0) {
    parts.push(`${F.protocol} IN (${f.protocol.map(() => '?').join(', ')})`);
    params.push(...f.protocol);
  }
  if (f.outcome !== undefined) {
    const list: readonly AuditOutcome[] = typeof f.outcome === 'string' ? [f.outcome] : f.outcome;
    if (list.length > 0) {
      parts.push(`${F.outcome} IN (${list.map(() => '?').join(', ')})`);
      params.push(...list);
    }
  }
  // Records carry ISO-8601 UTC times (Date#toISOString), so text order is time order.
  if (f.since) {
    parts.push(`${F.time} >= ?`);
    params.push(f.since.toISOString());
  }
  if (f.until) {
    parts.push(`${F.time} < ?`);
    params.push(f.until.toISOString());
  }
  return { sql: parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

/**
 * Records matching every given filter, newest first unless `order: 'asc'`.
 *
 * @example
 * queryAudit('/var/lib/sluice/audit.db', { agent: 'ci-bot', outcome: ['deny', 'error'], since: new Date(Date.now() - 3_600_000) });
 */
export function queryAudit(dbPath: string, filter: AuditFilter = {}): AuditRecord[] {
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number of records, 0 or more; got ${limit}`);
  const dir = filter.order === 'asc' ? 'ASC' : 'DESC';
  const { sql, params } = whereClause(filter);
  const db = openAuditReader(dbPath);
  try {
    const rows = db.prepare(`SELECT * FROM ${AUDIT_TABLE}${sql} ORDER BY ${F.time} ${dir}, rowid ${dir} LIMIT ?`).all(...params, limit) as Record<
      string,
      unknown
    >[];
    return rows.map(rowToRecord);
  } finally {
    db.close();
  }
}

/**
 * The newest `n` records in the order they were written, and the rowid to follow from.
 *
 * @example
 * const { records, lastRowid } = latestAudit(dbPath, 20);
 * const stop = tailAudit(dbPath, { fromRowid: lastRowid, onRecord: print });
 */
export function latestAudit(dbPath: string, n: number): { records: AuditRecord[]; lastRowid: number } {
  const db = openAuditReader(dbPath);
  try {
    return db.transaction(() => {
      const max = db.prepare(`SELECT COALESCE(MAX(rowid), 0) AS m FROM ${AUDIT_TABLE}`).get() as { m: number };
      const rows = db.prepare(`SELECT * FROM ${AUDIT_TABLE} WHERE rowid <= ? ORDER BY rowid DESC LIMIT ?`).all(max.m, Math.max(0, n)) as Record<
        string,
        unknown
      >[];
      return { records: rows.reverse().map(rowToRecord), lastRowid: max.m };
    })();
  } finally {
    db.close();
  }
}

export interface TailOptions {
  /** Deliver records with a rowid above this; default: only records written after the call. */
  fromRowid?: number;
  onRecord: (record: AuditRecord) => void;
  /** Poll interval (default 250 ms). */
  pollMs?: number;
  /** A poll that failed (file removed, locked too long); polling goes on. */
  onError?: (err: unknown) => void;
  /** Keep the process alive while following (a CLI); default false (the timer is unref'd). */
  keepAlive?: boolean;
}

/**
 * Follow audit.db: deliver each new record once, in write order, by polling rowids.
 * Returns a function that stops following and closes the connection.
 *
 * @example
 * const stop = tailAudit(dbPath, { onRecord: (r) => console.log(r.decision_id) });
 * process.once('SIGINT', stop);
 */
export function tailAudit(dbPath: string, opts: TailOptions): () => void {
  const db = openAuditReader(dbPath);
  const next = db.prepare(`SELECT rowid AS __rowid, * FROM ${AUDIT_TABLE} WHERE rowid > ? ORDER BY rowid LIMIT 1000`);
  let last = opts.fromRowid ?? (db.prepare(`SELECT COALESCE(MAX(rowid), 0) AS m FROM ${AUDIT_TABLE}`).get() as { m: number }).m;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const poll = (): void => {
    timer = null;
    if (stopped) return;
    try {
      for (;;) {
        const rows = next.all(last) as Record<string, unknown>[];
        for (const row of rows) {
          last = Number(row.__rowid);
          if (stopped) return;
          opts.onRecord(rowToRecord(row));
        }
        if (rows.length < 1000) break;
      }
    } catch (err) {
      opts.onError?.(err);
    }
    if (stopped) return;
    timer = setTimeout(poll, opts.pollMs ?? 250);
    if (!opts.keepAlive) timer.unref();
  };
  poll();
  return () => {
    if (stopped) return;
    stopped = true;
    if (timer) clearTimeout(timer);
    db.close();
  };
}
