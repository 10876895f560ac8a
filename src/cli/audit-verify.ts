/**
 * `sluice audit verify | prune | key`: the tamper-evident side of the trail.
 *
 * @example
 * await runChainCommand(['verify', '--config', 'sluice.yaml']); // 0 when every chain holds, 1 at the first break
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyIdOf, loadSigningKey, publicKeyFromPem } from '../audit/checkpoint-sign.js';
import { prunePrefix } from '../audit/prune.js';
import { AUDIT_DB_NAME } from '../audit/sqlite-schema.js';
import { verifyDatabase, VerifyInputError, verifyJsonl } from '../audit/verify-sources.js';
import { verifyPostgres } from '../audit/postgres/verify.js';
import { openPostgres } from '../state/postgres/pool.js';
import type { VerifyReport } from '../audit/verify.js';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../usage-error.js';
import { when } from './audit.js';
import { dataDirFor } from './emergency-config.js';
import { parseFlags, shared, STRING } from './flags.js';
import { configPath } from './paths.js';

export const chainHelp = `sluice audit verify [--from ID --to ID] [--file EXPORT.jsonl] [--public-key FILE] [--json] [--config FILE]
sluice audit prune [--before WHEN] [--force] [--config FILE]
sluice audit key [--config FILE]

verify  recompute every record's hash chain in audit.db (or in an exported JSON-lines
        file, e.g. from 'sluice audit query --json'), check the signed checkpoints and
        prune anchors; prints OK with counts, or the FIRST break (the record, its chain
        and seq, what differs) and exits 1. --from/--to: decision ids bounding a range.
        --public-key: the key to check signatures with (default: the data directory's)
prune   delete records older than --before (a duration back from now, or an ISO time;
        default audit.retain), keeping every chain verifiable with a signed anchor.
        Refuses when the trail does not verify first (--force prunes anyway)
key     print the public key that signs checkpoints (PEM), for verifying elsewhere`;

/** Whether `sub` is one of these commands. */
export function isChainCommand(sub: string | undefined): boolean {
  return sub === 'verify' || sub === 'prune' || sub === 'key';
}

export async function runChainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...shared('config', 'json'),
    from: STRING,
    to: STRING,
    file: STRING,
    'public-key': STRING,
    before: STRING,
    force: { type: 'boolean', default: false },
  });
  const sub = positionals[0];
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  if (sub !== 'verify' && (values.from ?? values.to ?? values.file ?? values['public-key']) !== undefined)
    throw new UsageError('--from, --to, --file and --public-key are for sluice audit verify');
  if (sub !== 'prune' && (values.before !== undefined || values.force)) throw new UsageError('--before and --force are for sluice audit prune');
  const cfgFile = configPath(values.config);
  const dataDir = await dataDirFor(cfgFile, `audit ${sub}`);
  const dbFile = join(dataDir, AUDIT_DB_NAME);

  if (sub === 'key') {
    const key = loadSigningKey(dataDir, false);
    if (!key) {
      process.stderr.write(`sluice: no audit signing key in ${dataDir} yet: it is made when the gate first starts\n`);
      return 1;
    }
    process.stdout.write(key.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    process.stderr.write(`key id ${key.keyId}\n`);
    return 0;
  }

  if (sub === 'verify') {
    const keys = new Map<string, KeyObject>();
    if (values['public-key'] !== undefined) {
      const pub = publicKeyFromPem(readFileSync(values['public-key'], 'utf8'));
      keys.set(keyIdOf(pub), pub);
    } else {
      const key = loadSigningKey(dataDir, false);
      if (key) keys.set(key.keyId, key.publicKey);
    }
    let report: VerifyReport;
    const trail = values.file === undefined ? await sharedTrail(cfgFile) : null;
    try {
      if (values.file !== undefined) {
        if (values.from !== undefined || values.to !== undefined) throw new UsageError('--file verifies the whole export; --from/--to are for audit.db');
        report = verifyJsonl(values.file, keys);
      } else if (trail !== null) {
        if (values.from !== undefined || values.to !== undefined)
          throw new UsageError('--from/--to are for audit.db; on the shared trail, export a range (sluice audit query --json) and verify it with --file');
        const pool = openPostgres({ url: trail.url, namespace: trail.namespace, max: 1, applicationName: 'sluice-audit-verify' });
        try {
          report = await verifyPostgres(pool, { keys });
        } finally {
          await pool.end().catch(() => undefined);
        }
      } else {
        if (!existsSync(dbFile)) {
          process.stderr.write(`sluice: no audit database at ${dbFile}\n`);
          return 1;
        }
        report = verifyDatabase(dbFile, { keys, from: values.from, to: values.to });
      }
    } catch (err) {
      if (err instanceof VerifyInputError) {
        process.stderr.write(`sluice: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else
      process.stdout.write(
        describe(report, values.file ?? (trail !== null ? `the shared trail (PostgreSQL, namespace ${trail.namespace})` : dbFile), keys.size > 0),
      );
    return report.ok ? 0 : 1;
  }

  // prune
  let before: Date;
  if (values.before !== undefined) before = when(values.before, '--before', new Date());
  else {
    const retain = (await loadConfig(cfgFile)).config.audit.retain;
    if (retain === undefined) throw new UsageError('sluice audit prune needs --before WHEN, or audit.retain (e.g. 30d) in the config');
    before = new Date(Date.now() - retain);
  }
  if (!existsSync(dbFile)) {
    process.stderr.write(`sluice: no audit database at ${dbFile}\n`);
    return 1;
  }
  const key = loadSigningKey(dataDir)!;
  if (!values.force) {
    const report = verifyDatabase(dbFile, { keys: new Map([[key.keyId, key.publicKey]]) });
    if (!report.ok) {
      process.stdout.write(describe(report, dbFile, true));
      process.stderr.write('sluice: not pruning a trail that does not verify (it would delete the evidence); --force prunes anyway\n');
      return 1;
    }
  }
  const r = prunePrefix(dbFile, before, key);
  process.stdout.write(
    `pruned ${r.deleted} records older than ${before.toISOString()} from ${r.chains} chain${r.chains === 1 ? '' : 's'}; ${r.anchors} signed anchor${r.anchors === 1 ? '' : 's'} keep them verifiable\n`,
  );
  return 0;
}

function describe(r: VerifyReport, where: string, signed: boolean): string {
  const counts = `${r.records} records in ${r.chains} chain${r.chains === 1 ? '' : 's'}, ${r.checkpoints} checkpoint${r.checkpoints === 1 ? '' : 's'}, ${r.anchors} prune anchor${r.anchors === 1 ? '' : 's'}${r.unchained > 0 ? `, ${r.unchained} records from before the chain (not covered)` : ''}`;
  const sigs = signed ? 'signatures checked' : `signatures NOT checked (no public key; ${r.unsigned_checked} unchecked)`;
  if (r.ok) return `audit trail OK: ${where}: ${counts}; ${sigs}\n`;
  const b = r.first_break!;
  const place = b.pos >= 0 && b.pos < Number.MAX_SAFE_INTEGER ? ` (${where.endsWith('.jsonl') ? 'line' : 'row'} ${b.pos})` : '';
  return `audit trail BROKEN: ${where}: first break at record ${b.decision_id ?? '-'}${place}, chain ${b.chain_id ?? '-'} seq ${b.seq ?? '-'}: ${b.what}\n  (${counts}; ${sigs})\n`;
}

/** The shared trail's connection when the config puts the audit in PostgreSQL (`state.backend: postgres`), else null (audit.db). */
async function sharedTrail(cfgFile: string): Promise<{ url: string; namespace: string } | null> {
  let state;
  try {
    state = (await loadConfig(cfgFile)).config.state;
  } catch {
    return null; // an invalid config: audit.db in the data directory, as before
  }
  return state.backend === 'postgres' && state.postgres !== undefined ? { url: state.postgres, namespace: state.namespace } : null;
}
