/**
 * The gate's Prometheus metrics (prom-client), served by the admin listener at
 * `/metrics` (`renderMetrics`). Counters and latency histograms are updated in one
 * place, from the audit record as it is written (`observeRecord`, called by
 * proxy/audit-record.ts and the gate's MCP and overload records): a record is the
 * complete, already-redacted account of an exchange, so metrics can say nothing the
 * trail does not. Gauges (open tunnels, approvals pending, budget use, audit backlog)
 * are read from the gate's own state when scraped (metric-sources.ts): nothing on the
 * request path.
 *
 * Label values are bounded (label-cap.ts): outcome, reason, transport and protocol are
 * the gate's own codes; tenant, rule, scanner and pattern are capped per family at
 * their first 100 values (then `other`). Never a session, token, URL or host.
 *
 * @example
 * observeRecord(record, ctx);          // per exchange, where its record is written
 * const { contentType, body } = await renderMetrics();   // GET /metrics
 */
import { collectDefaultMetrics } from 'prom-client';
import { registry } from './registry.js';
import { sessionSlo } from './slo.js';
import { FastCounter, FastHistogram } from './fast-metrics.js';
import type { AuditRecord } from '../audit/fields.js';
import { LabelCap, LABEL_CAP_DEFAULT } from './label-cap.js';

export { registry };

const LABEL_CAP = LABEL_CAP_DEFAULT;

const tenants = new LabelCap(LABEL_CAP);
const rules = new LabelCap(LABEL_CAP);
const reasons = new LabelCap(LABEL_CAP * 2);
const scanners = new LabelCap(LABEL_CAP);
const patterns = new LabelCap(LABEL_CAP);

/** Seconds: the gate's own work is sub-millisecond, an upstream's answer is not. */
const GATE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const requests = new FastCounter(
  'sluice_requests_total',
  'Exchanges recorded (requests, MCP tool calls, WebSocket sessions, tunnels), by outcome, reason, rule and tenant.',
  ['outcome', 'reason', 'rule', 'tenant', 'transport', 'protocol'],
);

const duration = new FastHistogram(
  'sluice_request_duration_seconds',
  'Whole exchange, from the request reaching the gate to its record (tunnels and WebSocket sessions excluded: they last as long as they are used).',
  ['outcome'],
  UPSTREAM_BUCKETS,
);

const gateWork = new FastHistogram(
  'sluice_gate_duration_seconds',
  "The gate's own work on a request: from arrival until it was handed to the upstream, or, when no upstream was contacted, until the gate answered.",
  ['outcome'],
  GATE_BUCKETS,
);

const upstream = new FastHistogram(
  'sluice_upstream_duration_seconds',
  "The upstream's latency: from the request being handed to it until its response head arrived.",
  [],
  UPSTREAM_BUCKETS,
);
const upstreamAll = upstream.child([]);

const findings = new FastCounter(
  'sluice_findings_total',
  'Inspection findings, by scanner (dlp, prompt_injection, mcp, mcp_chain, a2a, hostname), pattern id and action.',
  ['scanner', 'pattern', 'action'],
);

for (const f of [requests, duration, gateWork, upstream, findings]) registry.registerMetric(f.metric);

/** What the record does not carry: when the request left for the upstream and when its answer's head came back. */
export interface ExchangeTiming {
  readonly startNs?: bigint;
  readonly sentNs?: bigint | undefined;
  readonly headNs?: bigint | undefined;
  /** A WebSocket session or CONNECT tunnel: it lasts as long as the agent uses it, so it is not a latency. */
  readonly session?: boolean;
}

/**
 * Count one finished exchange. Never throws into the caller (a metric is not worth an exchange).
 *
 * @example
 * gate.audit.write(record); observeRecord(record, ctx);
 */
export function observeRecord(r: AuditRecord, t?: ExchangeTiming): void {
  try {
    requests.child([r.outcome, reasons.of(r.reason), rules.of(r.rule), tenants.of(r.tenant), r.transport, r.protocol ?? 'http']).n++;
    for (let i = 0; i < r.findings.length; i++) {
      const f = r.findings[i]!;
      const { scanner, pattern } = scannerOf(f.type);
      findings.child([scanners.of(scanner), patterns.of(pattern), f.action]).n++;
    }
    sessionSlo.record(r);
    if (r.transport === 'tunnel' || t?.session === true) return;
    duration.child([r.outcome]).observe(r.duration_ms / 1000);
    if (t?.startNs === undefined) return;
    if (t.sentNs !== undefined) {
      gateWork.child([r.outcome]).observe(Number(t.sentNs - t.startNs) / 1e9);
      if (t.headNs !== undefined) upstreamAll.observe(Number(t.headNs - t.sentNs) / 1e9);
    } else if (r.protocol === null) {
      gateWork.child([r.outcome]).observe(r.duration_ms / 1000);
    }
  } catch {
    // Nothing here should throw; if it ever does, the exchange is not to pay for it.
  }
}

/**
 * A finding type as scanner and pattern: `prompt_injection:instruction_override` is
 * the injection scanner's pattern, `mcp_chain:write_execute` the chain tracker's; a
 * plain id (`aws_access_key_id`, `known_secret`) is DLP's, unless its prefix names another scanner.
 *
 * @example
 * scannerOf('prompt_injection:exfiltration'); // { scanner: 'prompt_injection', pattern: 'exfiltration' }
 * scannerOf('github_token');                  // { scanner: 'dlp', pattern: 'github_token' }
 */
export function scannerOf(type: string): { scanner: string; pattern: string } {
  const colon = type.indexOf(':');
  if (colon > 0) return { scanner: type.slice(0, colon), pattern: type.slice(colon + 1) };
  if (type.startsWith('mcp_')) return { scanner: 'mcp', pattern: type };
  if (type.startsWith('a2a_')) return { scanner: 'a2a', pattern: type };
  if (type.startsWith('hostname_')) return { scanner: 'hostname', pattern: type };
  return { scanner: 'dlp', pattern: type };
}

let defaults = false;

/** Node's process metrics (CPU, memory, event-loop lag) in the registry too; once, when a gate starts. */
export function withProcessMetrics(): void {
  if (defaults) return;
  defaults = true;
  collectDefaultMetrics({ register: registry, prefix: 'sluice_' });
}

/**
 * The metrics in the Prometheus text format, for the admin listener's `/metrics`.
 *
 * @example
 * const { contentType, body } = await renderMetrics();
 * res.writeHead(200, { 'content-type': contentType }).end(body);
 */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
