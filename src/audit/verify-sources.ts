/**
 * Where `sluice audit verify` reads a trail from: audit.db (streamed per chain, in
 * seq order, through the (chain_id, chain_seq) index; memory does not grow with the
 * trail) or an exported JSON-lines file (`sluice audit query --json`; lines
 * `{"checkpoint": {...}}` may carry checkpoints).
 */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Checkpoint } from './checkpoint-sign.js';
import type { AuditRecord } from './fields.js';
import { AUDIT_TABLE, CHECKPOINT_TABLE, rowToRecord } from './sqlite-schema.js';
import { verifyChains, type Placed, type VerifyReport } from './verify.js';

export interface DbVerifyOptions {
  keys: ReadonlyMap<string, KeyObject>;
  /** Decision ids bounding a range (inclusive), in the trail's write order. */
  from?: string;
  to?: string;
}

/** A readable error for the CLI: a name that is not in the trail, a file without the chain. */
export class VerifyInputError extends Error {}

/**
 * @example
 * const report = verifyDatabase('/var/lib/sluice/audit.db', { keys: new Map([[key.keyId, key.publicKey]]) });
 */
export function verifyDatabase(file: string, opts: DbVerifyOptions): VerifyReport {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const cols = (db.prepare(`PRAGMA table_info(${AUDIT_TABLE})`).all() as { name: string }[]).map((c) => c.name);
    if (!cols.includes('chain_id')) throw new VerifyInputError(`${file} has no hash chain (written by a sluice before the chain existed); nothing to verify`);
    const rowid = (id: string, flag: string): number => {
      const row = db.prepare(`SELECT rowid AS r FROM ${AUDIT_TABLE} WHERE decision_id = ?`).get(id) as { r: number } | undefined;
      if (!row) throw new VerifyInputError(`${flag}: no record with decision id '${id}' in ${file}`);
      return row.r;
    };
    const lo = opts.from === undefined ? 0 : rowid(opts.from, '--from');
    const hi = opts.to === undefined ? Number.MAX_SAFE_INTEGER : rowid(opts.to, '--to');
    const range = opts.from !== undefined || opts.to !== undefined;
    const firstChained = (db.prepare(`SELECT MIN(rowid) AS m FROM ${AUDIT_TABLE} WHERE chain_id IS NOT NULL`).get() as { m: number | null }).m;
    const unchained = (
      db
        .prepare(`SELECT COUNT(*) AS n FROM ${AUDIT_TABLE} WHERE chain_id IS NULL AND rowid < ? AND rowid BETWEEN ? AND ?`)
        .get(firstChained ?? Number.MAX_SAFE_INTEGER, lo, hi) as {
        n: number;
      }
    ).n;
    const hasCp = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(CHECKPOINT_TABLE) !== undefined;
    const checkpoints = hasCp ? (db.prepare(`SELECT chain_id, seq, hash, time, kind, key_id, sig FROM ${CHECKPOINT_TABLE}`).all() as Checkpoint[]) : [];
    const chained = db
      .prepare(`SELECT rowid AS __pos, * FROM ${AUDIT_TABLE} WHERE chain_id IS NOT NULL AND rowid BETWEEN ? AND ? ORDER BY chain_id, chain_seq, rowid`)
      .iterate(lo, hi) as Iterable<Record<string, unknown>>;
    const stray = db
      .prepare(`SELECT rowid AS __pos, * FROM ${AUDIT_TABLE} WHERE chain_id IS NULL AND rowid > ? AND rowid BETWEEN ? AND ? ORDER BY rowid LIMIT 1`)
      .all(firstChained ?? Number.MAX_SAFE_INTEGER, lo, hi) as Record<string, unknown>[];
    return verifyChains({
      chained: placed(chained),
      strayUnchained: placed(stray),
      unchained,
      checkpoints,
      keys: opts.keys,
      range,
    });
  } finally {
    db.close();
  }
}

function* placed(rows: Iterable<Record<string, unknown>>): Generator<Placed> {
  for (const row of rows) yield { pos: row.__pos as number, record: rowToRecord(row) };
}

/**
 * An exported range: records as JSON lines (any order), optional checkpoint lines.
 *
 * @example
 * verifyJsonl('export.jsonl', new Map()); // { ok: true, records: 120, ... }
 */
export function verifyJsonl(file: string, keys: ReadonlyMap<string, KeyObject>): VerifyReport {
  const chained: Placed[] = [];
  const stray: Placed[] = [];
  const checkpoints: Checkpoint[] = [];
  let unchained = 0;
  let line = 0;
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    line++;
    if (text.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new VerifyInputError(`${file}:${line}: not a JSON line`);
    }
    if (typeof v !== 'object' || v === null) throw new VerifyInputError(`${file}:${line}: not a JSON object`);
    if ('checkpoint' in v) {
      checkpoints.push((v as { checkpoint: Checkpoint }).checkpoint);
      continue;
    }
    const r = v as AuditRecord;
    if (typeof r.chain_id === 'string') chained.push({ pos: line, record: r });
    else if (chained.length > 0) stray.push({ pos: line, record: r });
    else unchained++;
  }
  chained.sort((a, b) =>
    a.record.chain_id! < b.record.chain_id!
      ? -1
      : a.record.chain_id! > b.record.chain_id!
        ? 1
        : (a.record.chain_seq ?? 0) - (b.record.chain_seq ?? 0) || a.pos - b.pos,
  );
  return verifyChains({ chained, strayUnchained: stray, unchained, checkpoints, keys, range: true });
}
