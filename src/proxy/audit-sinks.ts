import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { JsonlAuditSink } from '../audit/jsonl-sink.js';
import { LogAuditSink, MultiSink, type AuditSink } from '../audit/sink.js';
import { ThreadedSqliteAuditSink } from '../audit/sqlite-thread-sink.js';

/**
 * The audit sinks the config asks for: the log always; SQLite in the data dir
 * (default; written from a worker thread, off the event loop); JSON lines to stdout
 * or a file. A failing sink is loud (logged at error on every failure) and makes the
 * gate refuse credentialed requests when `audit.fail_closed` is on.
 */
export function buildAuditSinks(config: Config, logger: Logger): MultiSink {
  const onError = (err: unknown): void => logger.error({ err }, 'AUDIT WRITE FAILED');
  const sinks: AuditSink[] = [new LogAuditSink(logger)];
  if (config.audit.sqlite) {
    sinks.push(new ThreadedSqliteAuditSink(config.data_dir, { onError, onRecover: () => logger.warn('audit sink recovered') }));
  }
  if (config.audit.jsonl !== false) sinks.push(new JsonlAuditSink(config.audit.jsonl, { onError }));
  return new MultiSink(sinks, onError);
}
