import type { Logger } from 'pino';
import { logCarriesAudit } from '../config/log-audit.js';
import type { Config } from '../config/schema.js';
import { AuditJournal } from './journal.js';
import { inJsonlTail, inSqlite, readJournal } from './journal-recover.js';
import { JsonlAuditSink } from './jsonl-sink.js';
import { LogAuditSink, MultiSink, type AuditSink } from './sink.js';
import { ThreadedSqliteAuditSink } from './sqlite-thread-sink.js';
import { openPostgresAuditSink } from './postgres/open.js';
import { AuditTrail } from './trail.js';
import { unlinkSync } from 'node:fs';
import { AuditChain } from './chain.js';
import { loadSigningKey } from './checkpoint-sign.js';
import { OcsfExportSink } from './ocsf/export-sink.js';

/**
 * The audit sinks the config asks for: the log (as logCarriesAudit says); SQLite in the data dir
 * (default; written from a worker thread, off the event loop), or with `state.backend:
 * postgres` the shared trail in PostgreSQL instead (audit/postgres/sink.ts); JSON lines to stdout
 * or a file. A failing sink is loud (logged at error on every failure) and makes the
 * gate refuse requests as `audit.fail_closed` says.
 */
export function buildAuditSinks(config: Config, logger: Logger): MultiSink {
  const onError = (err: unknown): void => logger.error({ err }, 'AUDIT WRITE FAILED');
  const sinks: AuditSink[] = logCarriesAudit(config) ? [new LogAuditSink(logger)] : [];
  if (config.state.backend === 'postgres') {
    // One trail for every replica: PostgreSQL takes the place of this data dir's audit.db.
    sinks.push(openPostgresAuditSink(config, logger, onError));
  } else if (config.audit.sqlite) {
    sinks.push(
      new ThreadedSqliteAuditSink(config.data_dir, {
        onError,
        onRecover: () => logger.warn('audit sink recovered'),
        retainMs: config.audit.retain,
        onNote: (message) => logger.info(message),
      }),
    );
  }
  if (config.audit.jsonl !== false) sinks.push(new JsonlAuditSink(config.audit.jsonl, { onError }));
  config.audit.export.forEach((target, index) => {
    const where = `audit.export[${index}] (${target.to})`;
    sinks.push(
      new OcsfExportSink(target, {
        dataDir: config.data_dir,
        index,
        onError: (err) => logger.error({ err, export: where }, 'AUDIT EXPORT FAILED'),
        onDrop: (n, why, dropped) => logger.error({ export: where, n, dropped_total: dropped, why }, 'AUDIT EXPORT DROPPED EVENTS'),
      }),
    );
  });
  return new MultiSink(sinks, onError);
}

/**
 * The gate's audit trail: the journal in the data directory in front of the sinks
 * (`sinks`, or those the config asks for). What an earlier run left in the journal
 * (a crash, `kill -9`) is replayed first: records the sinks do not hold are written
 * again, exchanges that never finished are recorded as `gate_interrupted`.
 *
 * @example
 * const audit = buildAuditTrail(config, logger); // before the gate listens
 */
export function buildAuditTrail(config: Config, logger: Logger, sinks?: AuditSink): AuditTrail {
  const onError = (err: unknown): void => logger.error({ err }, 'AUDIT WRITE FAILED');
  const earlier = AuditJournal.segments(config.data_dir);
  const backend = sinks ?? buildAuditSinks(config, logger);
  const progress = backend instanceof MultiSink ? () => backend.progress() : () => null;
  const journal = AuditJournal.open({ dataDir: config.data_dir, durability: config.audit.durability, onError }, progress);
  // The chain's checkpoints are signed with the data directory's key (made on first start).
  const key = loadSigningKey(config.data_dir);
  const chainCfg = config.audit.chain;
  const chain = new AuditChain({
    key,
    onCheckpoint: (c) => backend.checkpoint?.(c),
    everyRecords: chainCfg?.checkpoint_records,
    everyMs: chainCfg?.checkpoint_ms,
  });
  const trail = new AuditTrail(journal, backend, chain);
  if (earlier.length > 0) replay(config, logger, trail, earlier, sinks === undefined);
  return trail;
}

function replay(config: Config, logger: Logger, trail: AuditTrail, files: readonly string[], ownSinks: boolean): void {
  const found = readJournal(files);
  const ids = found.records.map((r) => r.decision_id);
  // Only the sinks this gate built from the config can be asked what they already hold.
  // The shared trail in PostgreSQL is not asked (it may be unreachable now): every record
  // is handed again, and those it holds are skipped by their decision id (ON CONFLICT).
  const held =
    !ownSinks || config.state.backend === 'postgres'
      ? new Set<string>()
      : config.audit.sqlite
        ? inSqlite(config.data_dir, ids)
        : typeof config.audit.jsonl === 'string' && config.audit.jsonl !== 'stdout'
          ? inJsonlTail(config.audit.jsonl, ids)
          : new Set<string>();
  let restored = 0;
  for (const r of found.records) {
    if (held.has(r.decision_id)) continue;
    trail.write(r);
    restored++;
  }
  // They are in this run's journal once written (now, not at the end of the turn), until
  // the sinks commit them; only then may the old segments go.
  if (trail.journal && !trail.journal.flushClosed()) {
    logger.error(
      { segments: files.length },
      'audit journal replay: the restored records could not be journaled again; the old segments are kept for the next start',
    );
    return;
  }
  for (const f of files) {
    try {
      unlinkSync(f);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const fields = { segments: files.length, restored, interrupted: found.interrupted, unreadable_lines: found.unreadable };
  if (restored > 0 || found.unreadable > 0) logger.warn(fields, 'audit journal replayed: records an earlier run had not finished writing are restored');
  else logger.info(fields, 'audit journal replayed: nothing was missing');
}
