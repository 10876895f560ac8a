/**
 * Reading the shared audit trail (`state.backend: postgres`): the records every
 * replica wrote, with the filters of `sluice audit query` (audit/query.ts has the
 * same over audit.db) and `sluice audit tail`'s following by insertion order.
 * Parameterised SQL only.
 */
import type pg from 'pg';
import { F } from '../fields.js';
import type { AuditOutcome, AuditRecord } from '../fields.js';
import type { AuditFilter, TailOptions } from '../query.js';
import type { AuditReader } from '../../runtime/interfaces.js';
import { redactUrl, schemaName } from '../../state/postgres/pool.js';
import { PG_AUDIT_TABLE, rowRecord } from './schema.js';

/**
 * How long a following reader keeps looking below the newest row it delivered: rows
 * get their `seq` when inserted but become visible at commit, so two replicas'
 * batches may appear out of `seq` order (within milliseconds; this is generous).
 */
const SETTLE_MS = 3_000;
const PAGE = 1000;

/** The WHERE clause and its parameters for a filter, in PostgreSQL's `$n` style; values are always bound. */
export function pgWhere(f: AuditFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const bind = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const eq = (col: string, v: string | undefined): void => {
    if (v !== undefined) parts.push(`${col} = ${bind(v)}`);
  };
  eq(F.agent, f.agent);
  eq(F.tenant, f.tenant);
  eq(F.session, f.session);
  eq(F.rule, f.rule);
  eq(F.reason, f.reason);
  eq(F.host, f.host);
  // `budget` holds one name, or several comma-separated (names cannot hold a comma).
  if (f.budget !== undefined) parts.push(`strpos(',' || ${F.budget} || ',', ${bind(`,${f.budget},`)}) > 0`);
  eq(F.approvalId, f.approval);
  if (f.protocol !== undefined && f.protocol.length > 0) parts.push(`${F.protocol} = ANY(${bind([...f.protocol])}::text[])`);
  if (f.outcome !== undefined) {
    const list: readonly AuditOutcome[] = typeof f.outcome === 'string' ? [f.outcome] : f.outcome;
    if (list.length > 0) parts.push(`${F.outcome} = ANY(${bind([...list])}::text[])`);
  }
  // Records carry ISO-8601 UTC times (Date#toISOString), so text order is time order.
  if (f.since) parts.push(`${F.time} >= ${bind(f.since.toISOString())}`);
  if (f.until) parts.push(`${F.time} < ${bind(f.until.toISOString())}`);
  return { sql: parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

/**
 * @example
 * const reader = new PostgresAuditReader(pool, 'prod', 'postgres://db.internal/sluice');
 * const denied = await reader.query({ outcome: 'deny', limit: 20 });
 */
export class PostgresAuditReader implements AuditReader {
  /** Where the trail is, for messages (the URL without its password, and the schema). */
  readonly file: string;
  private readonly table: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly namespace: string,
    url: string,
  ) {
    this.file = `${redactUrl(url)} (schema ${namespace}, table ${PG_AUDIT_TABLE})`;
    this.table = `${schemaName(namespace)}.${PG_AUDIT_TABLE}`;
  }

  /** False until a gate has created the table (its first start on this namespace). */
  async exists(): Promise<boolean> {
    const r = await this.pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`${schemaName(this.namespace)}.${PG_AUDIT_TABLE}`]);
    return r.rows[0]?.t != null;
  }

  async query(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number of records, 0 or more; got ${limit}`);
    const dir = filter.order === 'asc' ? 'ASC' : 'DESC';
    const { sql, params } = pgWhere(filter);
    const r = await this.pool.query<{ record: unknown }>(
      `SELECT record FROM ${this.table}${sql} ORDER BY ${F.time} ${dir}, seq ${dir} LIMIT $${params.length + 1}`,
      [...params, limit],
    );
    return r.rows.map(rowRecord);
  }

  /** The newest `n` records in the order they were inserted, and the `seq` to follow from. */
  async latest(n: number): Promise<{ records: AuditRecord[]; lastRowid: number }> {
    const max = await this.pool.query<{ m: string }>(`SELECT COALESCE(MAX(seq), 0)::text AS m FROM ${this.table}`);
    const last = Number(max.rows[0]?.m ?? 0);
    const r = await this.pool.query<{ record: unknown }>(`SELECT record FROM ${this.table} WHERE seq <= $1 ORDER BY seq DESC LIMIT $2`, [last, Math.max(0, n)]);
    return { records: r.rows.reverse().map(rowRecord), lastRowid: last };
  }

  /**
   * Deliver each new record once, in insertion order, by polling `seq`; rows that
   * become visible late (another replica's batch committing after a later one) are
   * still delivered, for `SETTLE_MS`.
   */
  tail(opts: TailOptions): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | null = null;
    /** Every row at or below it was delivered (or is taken as never coming). */
    let floor: number | null = opts.fromRowid ?? null;
    let newest = floor ?? 0;
    const seen = new Set<number>();
    const marks: { at: number; newest: number }[] = [];
    const poll = async (): Promise<void> => {
      timer = null;
      if (stopped) return;
      try {
        if (floor === null) {
          floor = newest = (await this.latest(0)).lastRowid;
        }
        for (let from = floor; ;) {
          const r = await this.pool.query<{ seq: string; record: unknown }>(
            `SELECT t.seq::text AS seq, t.record FROM ${this.table} AS t WHERE t.seq > $1 ORDER BY t.seq LIMIT ${PAGE}`,
            [from],
          );
          for (const row of r.rows) {
            const seq = Number(row.seq);
            from = seq;
            if (seen.has(seq)) continue;
            seen.add(seq);
            if (seq > newest) newest = seq;
            if (stopped) return;
            opts.onRecord(rowRecord(row));
          }
          if (r.rows.length < PAGE) break;
        }
        const now = Date.now();
        marks.push({ at: now, newest });
        while (marks.length > 0 && now - marks[0]!.at >= SETTLE_MS) floor = Math.max(floor, marks.shift()!.newest);
        for (const s of seen) if (s <= floor) seen.delete(s);
      } catch (err) {
        opts.onError?.(err);
      }
      if (stopped) return;
      timer = setTimeout(() => void poll(), opts.pollMs ?? 250);
      if (!opts.keepAlive) timer.unref();
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  /** End the reader's connections (the runtime does, at close). */
  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
