/**
 * `audit.retain` in the gate: the SQLite writer thread prunes records older than the
 * retention (prune.ts) shortly after start and then every hour, off the event loop.
 * The trail is verified first; a trail that does not verify is never pruned (that
 * would delete the evidence), and says so loudly.
 */
import { join } from 'node:path';
import { loadSigningKey } from './checkpoint-sign.js';
import { prunePrefix } from './prune.js';
import { AUDIT_DB_NAME } from './sqlite-schema.js';
import { verifyDatabase } from './verify-sources.js';

/** What one retention pass did, as a line for the log. */
export interface RetentionOutcome {
  ok: boolean;
  message: string;
}

/**
 * @example
 * const out = pruneForRetention('/var/lib/sluice', 30 * 86_400_000); // { ok: true, message: 'audit retention: pruned 120 records ...' }
 */
export function pruneForRetention(dataDir: string, retainMs: number, now = Date.now()): RetentionOutcome {
  const file = join(dataDir, AUDIT_DB_NAME);
  const key = loadSigningKey(dataDir);
  if (!key) return { ok: false, message: `audit retention: no signing key in ${dataDir}` };
  const report = verifyDatabase(file, { keys: new Map([[key.keyId, key.publicKey]]) });
  if (!report.ok) {
    const b = report.first_break!;
    return {
      ok: false,
      message: `audit retention: NOT pruning ${file}: the trail does not verify (record ${b.decision_id ?? '-'}, chain ${b.chain_id ?? '-'} seq ${b.seq ?? '-'}: ${b.what}); run 'sluice audit verify'`,
    };
  }
  const before = new Date(now - retainMs);
  const r = prunePrefix(file, before, key, 100);
  return { ok: true, message: `audit retention: pruned ${r.deleted} records older than ${before.toISOString()} (${r.anchors} signed anchors)` };
}
