/**
 * The audit sink behind `audit.export`: each record becomes its OCSF events (map.ts)
 * and goes to one destination (file, syslog, webhook). It never blocks the gate and
 * never makes it fail closed: an export that fails is loud (logged, counted, spooled,
 * retried), not a reason to refuse requests; the trail of record is audit.db.
 */
import { join } from 'node:path';
import type { ExportTarget } from '../../config/audit-chain-section.js';
import type { AuditRecord } from '../fields.js';
import type { AuditSink } from '../sink.js';
import { FileExport } from './file-export.js';
import { toOcsf } from './map.js';
import { SyslogExport } from './syslog-export.js';
import type { ExportTransport } from './transport.js';
import { WebhookExport } from './webhook-export.js';

export interface ExportSinkOptions {
  dataDir: string;
  /** Which entry of audit.export (names its spool file). */
  index: number;
  onError: (err: Error) => void;
  onDrop: (n: number, why: string, dropped: number) => void;
}

/**
 * @example
 * const sink = new OcsfExportSink({ format: 'ocsf', to: 'file', path: '/var/log/sluice/ocsf.jsonl', spool_bytes: 1 << 26 }, { dataDir, index: 0, onError, onDrop });
 */
export class OcsfExportSink implements AuditSink {
  private readonly transport: ExportTransport;
  /** Events delivered (UDP: sent) and dropped since start. */
  sent = 0;
  dropped = 0;
  readonly describe: string;

  constructor(
    target: ExportTarget,
    private readonly opts: ExportSinkOptions,
  ) {
    const hooks = {
      onError: (err: Error) => opts.onError(err),
      onDrop: (n: number, why: string) => {
        this.dropped += n;
        opts.onDrop(n, why, this.dropped);
      },
      onSent: (n: number) => (this.sent += n),
    };
    const spoolFile = join(opts.dataDir, 'audit-export', `${opts.index}-${target.to}.spool`);
    switch (target.to) {
      case 'file':
        this.describe = `file ${target.path}`;
        this.transport = new FileExport(target.path, target.spool_bytes, hooks);
        break;
      case 'syslog':
        this.describe = `syslog ${target.protocol}://${target.host}:${target.port}`;
        this.transport = new SyslogExport({ ...target, spoolFile, spoolBytes: target.spool_bytes }, hooks);
        break;
      case 'webhook':
        this.describe = `webhook ${target.url}`;
        this.transport = new WebhookExport(
          {
            url: target.url,
            caFile: target.ca_file,
            headers: target.headers,
            batch: target.batch,
            flushMs: target.flush_ms,
            maxBackoffMs: target.max_backoff_ms,
            spoolFile,
            spoolBytes: target.spool_bytes,
          },
          hooks,
        );
        break;
    }
  }

  write(record: AuditRecord): void {
    try {
      const events = toOcsf(record);
      this.transport.send(
        events,
        events.map((e) => JSON.stringify(e)),
      );
    } catch (err) {
      // Never into the request path; counted and loud.
      this.dropped++;
      this.opts.onError(new Error(`OCSF export (${this.describe}): record ${record.decision_id} could not be mapped: ${(err as Error).message}`));
    }
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
