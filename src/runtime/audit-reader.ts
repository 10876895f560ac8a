import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { latestAudit, queryAudit, tailAudit, type AuditFilter, type TailOptions } from '../audit/query.js';
import type { AuditRecord } from '../audit/fields.js';
import { AUDIT_DB_NAME } from '../audit/sqlite-schema.js';
import type { AuditReader } from './interfaces.js';

/**
 * The reader over `<dataDir>/audit.db` (audit/query.ts): nothing is opened until a
 * query runs, so a CLI that may not need it pays nothing.
 *
 * @example
 * const reader = new SqliteAuditReader('/var/lib/sluice');
 * reader.latest(10).records;
 */
export class SqliteAuditReader implements AuditReader {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, AUDIT_DB_NAME);
  }

  exists(): boolean {
    return existsSync(this.file);
  }

  query(filter: AuditFilter = {}): AuditRecord[] {
    return queryAudit(this.file, filter);
  }

  latest(n: number): { records: AuditRecord[]; lastRowid: number } {
    return latestAudit(this.file, n);
  }

  tail(opts: TailOptions): () => void {
    return tailAudit(this.file, opts);
  }
}
