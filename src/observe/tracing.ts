/**
 * OpenTelemetry traces of the gate's exchanges, exported over OTLP/HTTP with the
 * official SDK (`telemetry.otlp`; off by default). Off, nothing here is built: the
 * gate holds `tracing: null` and each traced step pays one null check.
 *
 * On, each exchange is a span, the child of the agent's own span when its request
 * carried a valid W3C `traceparent` (traceparent.ts), so an egress request shows under
 * the LLM turn or tool call that made it; with children for the gate's steps
 * (`decide`, `inspect`, `inject`, `upstream`) and one per MCP message the guard
 * recorded (`tools/call <tool>`, with the MCP and GenAI attribute names, semconv.ts).
 * The agent's sampling decision is kept (a parent-based sampler): a `traceparent`
 * whose sampled flag is 0 records nothing.
 *
 * The agent's `traceparent` is forwarded upstream unchanged, as it was before
 * tracing existed: the gate is one more child of the agent's span, the upstream's
 * span another; the gate does not rewrite a header the agent and the upstream share.
 *
 * Attributes come from the audit record once it is written (the one redacted account
 * of the exchange): method, scheme, host, port, path without its query, status,
 * decision, reason, rule, tenant, agent, credential name. Never a header value, body
 * or query string.
 *
 * @example
 * const tracing = openTracing({ otlp: { endpoint: 'http://127.0.0.1:4318' } }, 'sluice');
 * const t = tracing?.begin(req.headers.traceparent, 'GET', decisionId) ?? null;
 * const s = t?.child('decide'); ...; s?.end();
 * t?.end(record);
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { AuditRecord } from '../audit/fields.js';
import { parseTraceparent } from './traceparent.js';
import { ATTR, EXECUTE_TOOL, SEMCONV_SCHEMA_URL, SLUICE } from './semconv.js';
import { signalUrl, type TelemetryConfig } from '../config/telemetry-section.js';

/** The tracer's instrumentation scope. */
const SCOPE = 'sluice';

/** One exchange's span and its children. */
export class ExchangeTrace {
  #ctx: Context | null = null;
  #ended = false;

  constructor(
    private readonly tracing: Tracing,
    readonly span: Span,
    readonly decisionId: string,
  ) {}

  /** A child span starting now (a step of the gate, the upstream call); the caller ends it. */
  child(name: string, kind: SpanKind = SpanKind.INTERNAL): Span {
    return this.tracing.tracer.startSpan(name, { kind }, (this.#ctx ??= trace.setSpan(ROOT_CONTEXT, this.span)));
  }

  /** A child span for something already finished (an MCP message the guard recorded). */
  childDone(name: string, kind: SpanKind, attributes: Attributes, startMs: number, endMs: number, error: boolean): void {
    const s = this.tracing.tracer.startSpan(name, { kind, attributes, startTime: startMs }, (this.#ctx ??= trace.setSpan(ROOT_CONTEXT, this.span)));
    if (error) s.setStatus({ code: SpanStatusCode.ERROR });
    s.end(endMs);
  }

  /** End the exchange's span with what its record says (null: it has none, a CONNECT handed to interception). Idempotent. */
  end(r: AuditRecord | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.tracing.forget(this.decisionId);
    if (r !== null) {
      this.span.setAttributes(recordAttributes(r));
      if (r.status > 0) this.span.setAttribute(ATTR.httpStatus, r.status);
      if (r.outcome === 'error') this.span.setStatus({ code: SpanStatusCode.ERROR, message: r.error ?? r.reason });
    }
    this.span.end();
  }
}

/** What a span may say of a record: nothing the record does not, and no query string (the record has none). */
function recordAttributes(r: AuditRecord): Attributes {
  const a: Attributes = {
    [ATTR.httpMethod]: r.method,
    [ATTR.urlScheme]: r.scheme,
    [ATTR.serverAddress]: r.host,
    [ATTR.serverPort]: r.port,
    [ATTR.urlPath]: r.path,
    [SLUICE.decisionId]: r.decision_id,
    [SLUICE.outcome]: r.outcome,
    [SLUICE.reason]: r.reason,
    [SLUICE.transport]: r.transport,
    [SLUICE.policyVersion]: r.policy_version,
    [SLUICE.findings]: r.findings.length,
  };
  if (r.rule !== null) a[SLUICE.rule] = r.rule;
  if (r.tenant !== null) a[SLUICE.tenant] = r.tenant;
  if (r.agent !== null) a[SLUICE.agent] = r.agent;
  if (r.credential !== null) a[SLUICE.credential] = r.credential;
  if (r.error !== null) a[ATTR.errorType] = r.error;
  if (r.model !== null) a[ATTR.genAiRequestModel] = r.model;
  if (r.tokens_in !== null) a[ATTR.genAiInputTokens] = r.tokens_in;
  if (r.tokens_out !== null) a[ATTR.genAiOutputTokens] = r.tokens_out;
  return a;
}

/** The gate's tracer and exporter; made only when `telemetry.otlp` is set. */
export class Tracing {
  readonly tracer: Tracer;
  /** Exchanges whose span is open, by decision id: where an MCP message's record finds its parent. */
  readonly #open = new Map<string, ExchangeTrace>();

  constructor(
    private readonly provider: TracerProvider,
    version: string,
  ) {
    this.tracer = provider.getTracer(SCOPE, version, { schemaUrl: SEMCONV_SCHEMA_URL });
  }

  /**
   * Start an exchange's span: the child of the agent's span when `traceparent` is valid,
   * else the root of a trace of its own.
   */
  begin(traceparent: string | string[] | undefined, method: string, decisionId: string, kind: SpanKind = SpanKind.SERVER): ExchangeTrace {
    const parent = parseTraceparent(traceparent);
    const ctx =
      parent === null
        ? ROOT_CONTEXT
        : trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.flags & 1, isRemote: true });
    const span = this.tracer.startSpan(method === 'CONNECT' ? 'CONNECT' : method || 'HTTP', { kind }, ctx);
    const t = new ExchangeTrace(this, span, decisionId);
    this.#open.set(decisionId, t);
    return t;
  }

  /** An MCP (or A2A) message the guard recorded: a child of the exchange that carried it, if that is still open. */
  message(r: AuditRecord): void {
    if (r.parent_id === null) return;
    const parent = this.#open.get(r.parent_id);
    if (parent === undefined) return;
    const endMs = Date.now();
    const name = r.tool === null ? r.method : `${r.method} ${r.tool}`;
    const a: Attributes = { [SLUICE.decisionId]: r.decision_id, [SLUICE.outcome]: r.outcome, [SLUICE.reason]: r.reason };
    if (r.rule !== null) a[SLUICE.rule] = r.rule;
    if (r.server !== null) a[SLUICE.mcpServer] = r.server;
    if (r.protocol === 'mcp') {
      a[ATTR.mcpMethod] = r.method;
      if (r.tool !== null && r.method === 'tools/call') {
        a[ATTR.genAiToolName] = r.tool;
        a[ATTR.genAiOperation] = EXECUTE_TOOL;
      }
    }
    parent.childDone(name, SpanKind.CLIENT, a, endMs - r.duration_ms, endMs, r.outcome === 'error');
  }

  forget(decisionId: string): void {
    this.#open.delete(decisionId);
  }

  /** Export what is buffered now (tests, shutdown). */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  /** Export what is left and stop; a collector that does not answer delays a gate's stop by `waitMs` at most. */
  async close(waitMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      timer.unref();
    });
    await Promise.race([this.provider.shutdown(), late]);
    clearTimeout(timer);
  }
}

/**
 * The gate's tracing, or null when `telemetry.otlp` is not set (the default).
 *
 * @example
 * const tracing = openTracing(config.telemetry, VERSION);
 */
export function openTracing(c: TelemetryConfig, version = '0.1.0', exporter?: SpanExporter): Tracing | null {
  if (c.otlp === undefined) return null;
  const exp =
    exporter ??
    new OTLPTraceExporter({
      url: signalUrl(c.otlp.endpoint, 'traces'),
      headers: { ...c.otlp.headers },
    });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': c.service_name, 'service.version': version }),
    spanProcessors: [new BatchSpanProcessor({ exporter: exp })],
  });
  return new Tracing(provider, version);
}
