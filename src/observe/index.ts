/**
 * The operator's view of the gate: Prometheus metrics (`renderMetrics` for the admin
 * listener's `/metrics`), OpenTelemetry traces and logs over OTLP (`telemetry:`,
 * off by default), and the live SLO counters.
 *
 * @example
 * import { renderMetrics } from './observe/index.js';
 * const { contentType, body } = await renderMetrics();
 */
export { renderMetrics, registry, observeRecord, scannerOf, type ExchangeTiming } from './metrics.js';
export { watchGate, observeApprovals, type GaugeSource } from './metric-sources.js';
export { openTracing, Tracing, ExchangeTrace } from './tracing.js';
export { parseTraceparent, type TraceParent } from './traceparent.js';
export { otelLogStream, type OtelLogStream } from './otel-logs.js';
export { SEMCONV_VERSION } from './semconv.js';
export { sessionSlo, isBreach } from './slo.js';
