/**
 * The canonical form of an audit record that the hash chain signs (chain.ts): JSON with
 * object keys sorted, and null or absent values left out, at every depth. Every store
 * gives back the same form: SQLite's columns (read back as a record), PostgreSQL's
 * JSONB (which reorders keys) and JSON lines all yield the same text, and a nullable
 * field added by a later version does not change the hash of records written before it.
 * The record's own `chain_hash` is not part of it (it is the hash of the rest).
 */
import { hash } from 'node:crypto';

/** The hash a chain's first record names as its predecessor. */
export const GENESIS = '0'.repeat(64);

/** The last key list seen, its sorted order, and each sorted key as it opens a member (`"key":`). */
let lastKeys: string[] = [];
let lastSorted: string[] = [];
let lastOpens: string[] = [];

function sortedKeysOf(o: object): string[] {
  const own = Object.keys(o);
  if (sameKeys(own)) return lastSorted;
  const sorted = own.slice().sort();
  // Only the record's shape is worth keeping (nested findings are small and varied).
  if (own.length > 8) {
    lastKeys = own;
    lastSorted = sorted;
    lastOpens = sorted.map((k) => `${JSON.stringify(k)}:`);
  }
  return sorted;
}

function sameKeys(own: string[]): boolean {
  if (own.length !== lastKeys.length) return false;
  for (let i = 0; i < own.length; i++) if (own[i] !== lastKeys[i]) return false;
  return true;
}

/**
 * A copy with keys in sorted order and null or absent values left out, at every depth;
 * JSON.stringify of it is the canonical form (V8 serialises a plain object far faster
 * than a hand-written serialiser, so the copy is the cheap way).
 */
function sortedCopy(v: unknown, skip: string | null): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => sortedCopy(x, null));
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of sortedKeysOf(o)) {
    const x = o[k];
    if (x === null || x === undefined || k === skip) continue;
    out[k] = typeof x === 'object' ? sortedCopy(x, null) : x;
  }
  return out;
}

/**
 * @example
 * canonicalJson({ b: 1, a: null, c: [{ y: 'x', x: undefined }] }) // '{"b":1,"c":[{"y":"x"}]}'
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortedCopy(v, null)) ?? 'null';
}

/**
 * The canonical form of a record for its hash: every field but `chain_hash`. The record
 * itself is written member by member in its sorted key order (records of one shape sort
 * once), each value as `JSON.stringify` writes it and nested objects as `canonicalJson`
 * does: the same text as `JSON.stringify` of the sorted copy, without building the copy.
 *
 * @example
 * recordHash({ ...record, chain_id: 'c1', chain_seq: 1, chain_prev: GENESIS }) // 64 hex digits
 */
export function canonicalRecord(record: object): string {
  const own = Object.keys(record);
  if (!sameKeys(own)) {
    sortedKeysOf(record);
    // A small object (its order is not kept) or a shape that changed in between.
    if (!sameKeys(own)) return JSON.stringify(sortedCopy(record, 'chain_hash'));
  }
  const o = record as Record<string, unknown>;
  const keys = lastSorted;
  const opens = lastOpens;
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = o[k];
    if (x === null || x === undefined || k === 'chain_hash') continue;
    // As JSON.stringify of an object: members whose value it cannot write (a function) are left out.
    const v = typeof x === 'object' ? (Array.isArray(x) && x.length === 0 ? '[]' : JSON.stringify(sortedCopy(x, null))) : JSON.stringify(x);
    if (v === undefined) continue;
    out += out.length === 1 ? opens[i]! + v : `,${opens[i]!}${v}`;
  }
  return `${out}}`;
}

/** SHA-256 (hex) of a record's canonical form, `chain_prev` included. */
export function recordHash(record: object): string {
  return hash('sha256', canonicalRecord(record), 'hex');
}
