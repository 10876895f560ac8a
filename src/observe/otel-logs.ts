/**
 * The gate's log lines as OpenTelemetry logs, exported over OTLP/HTTP when
 * `telemetry.otlp.logs` is true: a pino destination (pino.multistream beside the
 * usual one, logger.ts) that turns each JSON line into a log record with the official
 * SDK (BatchLogRecordProcessor, so the event loop never waits on the collector). The
 * lines are the ones the gate already writes, which never hold a secret value.
 *
 * @example
 * const otel = otelLogStream(config.telemetry);   // null unless otlp.logs
 * const logger = createLogger({ level: 'info', also: otel?.stream });
 * await otel?.close();
 */
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { AnyValueMap } from '@opentelemetry/api-logs';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { signalUrl, type TelemetryConfig } from '../config/telemetry-section.js';

/** pino's numeric levels as OTel severities. */
const SEVERITY: Record<number, [SeverityNumber, string]> = {
  10: [SeverityNumber.TRACE, 'TRACE'],
  20: [SeverityNumber.DEBUG, 'DEBUG'],
  30: [SeverityNumber.INFO, 'INFO'],
  40: [SeverityNumber.WARN, 'WARN'],
  50: [SeverityNumber.ERROR, 'ERROR'],
  60: [SeverityNumber.FATAL, 'FATAL'],
};

/** Fields pino writes that become the record's own parts, not attributes. */
const OWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'svc']);

export interface OtelLogStream {
  /** A pino destination: one JSON log line per write. */
  readonly stream: { write(line: string): void };
  /** Export what is buffered and stop. */
  close(): Promise<void>;
  flush(): Promise<void>;
}

/**
 * @example
 * otelLogStream({ service_name: 'sluice', otlp: { endpoint: 'http://127.0.0.1:4318', logs: true } });
 */
export function otelLogStream(c: TelemetryConfig, exporter?: LogRecordExporter): OtelLogStream | null {
  if (c.otlp === undefined || !c.otlp.logs) return null;
  const exp = exporter ?? new OTLPLogExporter({ url: signalUrl(c.otlp.endpoint, 'logs'), headers: { ...c.otlp.headers } });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': c.service_name }),
    processors: [new BatchLogRecordProcessor({ exporter: exp })],
  });
  const logger = provider.getLogger('sluice');
  return {
    stream: {
      write(line: string): void {
        let o: Record<string, unknown>;
        try {
          o = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        const [severityNumber, severityText] = SEVERITY[o['level'] as number] ?? [SeverityNumber.UNSPECIFIED, 'UNSPECIFIED'];
        const attributes: AnyValueMap = {};
        for (const [k, v] of Object.entries(o)) {
          if (OWN.has(k) || v === undefined || v === null) continue;
          attributes[k] = typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean);
        }
        const t = typeof o['time'] === 'string' ? Date.parse(o['time']) : typeof o['time'] === 'number' ? o['time'] : Date.now();
        logger.emit({
          severityNumber,
          severityText,
          body: typeof o['msg'] === 'string' ? o['msg'] : '',
          attributes,
          timestamp: Number.isNaN(t) ? Date.now() : t,
        });
      },
    },
    close: () => provider.shutdown(),
    flush: () => provider.forceFlush(),
  };
}
