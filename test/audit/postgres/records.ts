/**
 * The shared-trail tests' records: the n-th record of a run, with its time and path
 * counting from n, so order and content can be checked after a round trip.
 *
 * @example
 * numberedRecord(17).decision_id; // 'dec_000017'
 */
import type { AuditRecord } from '../../../src/audit/fields.js';
import { auditRecord } from '../../../src/audit/record.js';

export function numberedRecord(n: number, over: Partial<AuditRecord> = {}): AuditRecord {
  return auditRecord({
    decision_id: `dec_${String(n).padStart(6, '0')}`,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString(),
    policy_version: 'v1',
    outcome: 'allow',
    reason: 'rule_matched',
    status: 200,
    host: 'api.test',
    path: `/p/${n}`,
    ...over,
  });
}
