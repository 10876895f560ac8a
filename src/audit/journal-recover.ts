/**
 * Replaying the audit journal after a stop that did not flush it (a crash, `kill -9`,
 * a sink that dropped records): every finished record in the segments, and for every
 * exchange opened but never finished, a record of the decision marked
 * `error: gate_interrupted` (it may have reached the upstream; what came back is
 * unknown). Records the sinks already hold are left out (journal.ts writes the
 * journal first, so a record can be in both).
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditRecord } from './fields.js';
import type { JournalLine } from './journal.js';
import { AUDIT_DB_NAME, AUDIT_TABLE } from './sqlite-schema.js';

/** The error an interrupted exchange's record carries. */
export const INTERRUPTED = 'gate_interrupted';

export interface JournalContents {
  /** Finished records, and interrupted ones, in the order they were opened or finished. */
  records: AuditRecord[];
  interrupted: number;
  /** Lines that could not be read (a write cut short by a full disk). */
  unreadable: number;
}

/**
 * @example
 * const { records, interrupted } = readJournal(AuditJournal.segments(dataDir));
 */
export function readJournal(files: readonly string[]): JournalContents {
  const finished = new Map<string, AuditRecord>();
  const opened = new Map<string, AuditRecord>();
  let unreadable = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      // Another process starting on the same data directory replayed it first.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let entry: JournalLine;
      try {
        entry = JSON.parse(line) as JournalLine;
      } catch {
        unreadable++;
        continue;
      }
      if ('c' in entry && entry.c?.decision_id) finished.set(entry.c.decision_id, entry.c);
      else if ('o' in entry && entry.o?.decision_id) opened.set(entry.o.decision_id, entry.o);
      else unreadable++;
    }
  }
  const records = [...finished.values()];
  let interrupted = 0;
  for (const [id, o] of opened) {
    if (finished.has(id)) continue;
    interrupted++;
    records.push({ ...o, outcome: 'error', error: INTERRUPTED, duration_ms: 0 });
  }
  return { records, interrupted, unreadable };
}

/** Decision ids of `ids` already in `<dataDir>/audit.db` (none when there is no such file). */
export function inSqlite(dataDir: string, ids: readonly string[]): Set<string> {
  const found = new Set<string>();
  const file = join(dataDir, AUDIT_DB_NAME);
  if (ids.length === 0 || !existsSync(file)) return found;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(AUDIT_TABLE);
    if (!hasTable) return found;
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = db.prepare(`SELECT decision_id FROM ${AUDIT_TABLE} WHERE decision_id IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as {
        decision_id: string;
      }[];
      for (const r of rows) found.add(r.decision_id);
    }
  } finally {
    db.close();
  }
  return found;
}

/**
 * Decision ids of `ids` in the last `tailBytes` of a JSON-lines audit file. Records the
 * sink had not written can only be at its end, so the tail is enough.
 */
export function inJsonlTail(file: string, ids: readonly string[], tailBytes = 64 * 1024 * 1024): Set<string> {
  const found = new Set<string>();
  if (ids.length === 0 || !existsSync(file)) return found;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, tailBytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const present = new Set<string>();
    for (const m of buf.toString('utf8').matchAll(/"decision_id":"([^"\\]{1,128})"/g)) present.add(m[1]!);
    for (const id of ids) if (present.has(id)) found.add(id);
  } finally {
    closeSync(fd);
  }
  return found;
}
