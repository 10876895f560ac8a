/**
 * The `telemetry:` section: OpenTelemetry traces (and, asked for, logs) exported over
 * OTLP/HTTP to a collector. Off by default: without `otlp` the gate builds no tracer,
 * no exporter and no span. Prometheus metrics need nothing here: they are always
 * kept, and served by the admin listener at `/metrics`.
 *
 * @example
 * telemetry:
 *   service_name: sluice-eu1
 *   otlp:
 *     endpoint: http://otel-collector:4318     # /v1/traces and /v1/logs are added
 *     headers: { x-tenant: ops }
 *     logs: true                              # the gate's log lines too
 */
import * as z from 'zod';
import { describeValue } from './describe-value.js';
import { emptyAsAbsent, parsedBy, strictSection } from './fields.js';

const endpointField = parsedBy((v): string => {
  const expected = "expected the collector's OTLP/HTTP base URL, like http://otel-collector:4318";
  if (typeof v !== 'string') throw new TypeError(`${expected}; got ${describeValue(v)}`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    // Never echo the value: a URL may carry a password.
    throw new TypeError(`${expected}; this value does not parse as a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`${expected}; got scheme ${u.protocol}`);
  if (u.search !== '' || u.hash !== '') throw new TypeError(`${expected}; without a query or fragment`);
  return v;
});

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const otlpSchema = strictSection({
  endpoint: endpointField,
  /** Sent with every export (a collector's API key): never logged. */
  headers: z
    .record(
      z.string().refine((k) => HEADER_NAME.test(k), { error: 'expected an HTTP header name' }),
      z.string().refine((v) => !/[\r\n]/.test(v), { error: 'a header value cannot hold a line break' }),
    )
    .optional(),
  /** Export the gate's log lines as OTLP logs too. */
  logs: z.boolean().default(false),
});

export const telemetrySchema = strictSection({
  /** `service.name` of every span and log record. */
  service_name: z.string().min(1).max(128).default('sluice'),
  otlp: emptyAsAbsent(otlpSchema.optional()),
});

export type TelemetryConfig = z.output<typeof telemetrySchema>;

/**
 * The URL one signal is exported to: the endpoint with `/v1/traces` or `/v1/logs`
 * added, as OTEL_EXPORTER_OTLP_ENDPOINT is read.
 *
 * @example
 * signalUrl('http://collector:4318', 'traces'); // 'http://collector:4318/v1/traces'
 */
export function signalUrl(endpoint: string, signal: 'traces' | 'logs'): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/${signal}`;
}
