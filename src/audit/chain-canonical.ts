/**
 * The canonical form of an audit record that the hash chain signs (chain.ts): JSON with
 * object keys sorted, and null or absent values left out, at every depth. Every store
 * gives back the same form: SQLite's columns (read back as a record), PostgreSQL's
 * JSONB (which reorders keys) and JSON lines all yield the same text, and a nullable
 * field added by a later version does not change the hash of records written before it.
 * The record's own `chain_hash` is not part of it (it is the hash of the rest).
 */
import { createHash } from 'node:crypto';

/** The hash a chain's first record names as its predecessor. */
export const GENESIS = '0'.repeat(64);

/** Sorted key lists by the record's key list: records of one shape sort once. */
const sortedKeys = new Map<string, string[]>();

/**
 * @example
 * canonicalJson({ b: 1, a: null, c: [{ y: 'x', x: undefined }] }) // '{"b":1,"c":[{"y":"x"}]}'
 */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x)).join(',')}]`;
  return canonicalObject(v as Record<string, unknown>, null);
}

function canonicalObject(o: Record<string, unknown>, skip: string | null): string {
  const own = Object.keys(o);
  const shape = own.join(',');
  let keys = sortedKeys.get(shape);
  if (keys === undefined) {
    keys = own.slice().sort();
    if (sortedKeys.size < 64) sortedKeys.set(shape, keys);
  }
  let out = '{';
  for (const k of keys) {
    const x = o[k];
    if (x === null || x === undefined || k === skip) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(k)}:${typeof x === 'object' ? canonicalJson(x) : (JSON.stringify(x) ?? 'null')}`;
  }
  return `${out}}`;
}

/**
 * The canonical form of a record for its hash: every field but `chain_hash`.
 *
 * @example
 * recordHash({ ...record, chain_id: 'c1', chain_seq: 1, chain_prev: GENESIS }) // 64 hex digits
 */
export function canonicalRecord(record: object): string {
  return canonicalObject(record as Record<string, unknown>, 'chain_hash');
}

/** SHA-256 (hex) of a record's canonical form, `chain_prev` included. */
export function recordHash(record: object): string {
  return createHash('sha256').update(canonicalRecord(record)).digest('hex');
}
