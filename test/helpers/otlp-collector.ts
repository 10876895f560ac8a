/**
 * A local OTLP/HTTP collector for tests: a node http server on loopback that keeps
 * every body posted to it (/v1/traces, /v1/logs), and reads the spans and log records
 * out of the JSON the OpenTelemetry JS exporters send.
 *
 * @example
 * const collector = await startCollector();   // telemetry.otlp.endpoint: collector.url
 * collector.spans(); collector.logs();
 */
import { createServer, type Server } from 'node:http';

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string | undefined;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

export interface OtlpLog {
  severityNumber?: number;
  severityText?: string;
  body?: { stringValue?: string };
  attributes: { key: string; value: Record<string, unknown> }[];
}

export interface Collector {
  url: string;
  /** Every request as `METHOD path content-type`, in order. */
  paths: string[];
  bodies: string[];
  spans(): OtlpSpan[];
  logs(): OtlpLog[];
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const bodies: string[] = [];
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const parsed = (): Record<string, unknown>[] => bodies.map((b) => JSON.parse(b) as Record<string, unknown>);
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    paths,
    spans: () =>
      parsed().flatMap((req) =>
        ((req['resourceSpans'] ?? []) as { scopeSpans: { spans: OtlpSpan[] }[] }[]).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map(hexIds))),
      ),
    logs: () =>
      parsed().flatMap((req) =>
        ((req['resourceLogs'] ?? []) as { scopeLogs: { logRecords: OtlpLog[] }[] }[]).flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)),
      ),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** OTLP/JSON ids are hex; a base64 one (protobuf-JSON style) is turned to hex so a test reads either. */
function hexIds(s: OtlpSpan): OtlpSpan {
  const hex = (v: string | undefined, len: number): string | undefined =>
    v === undefined || v === '' ? undefined : new RegExp(`^[0-9a-f]{${len}}$`).test(v) ? v : Buffer.from(v, 'base64').toString('hex');
  return { ...s, traceId: hex(s.traceId, 32)!, spanId: hex(s.spanId, 16)!, parentSpanId: hex(s.parentSpanId, 16) };
}
