/**
 * The W3C Trace Context `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header),
 * parsed strictly: the gate makes an exchange's span a child of the agent's LLM turn or
 * tool call only when the header is exactly what the spec says. A malformed header is
 * ignored (the exchange starts a trace of its own), never refused: tracing must not
 * change what an agent may do.
 *
 * Strict means: one header (not a list), lowercase hex, `version-traceid-parentid-flags`,
 * no all-zero ids, version `ff` refused; a future version (00 < v < ff) may carry more
 * fields after a `-`, of which only the first four are read (spec §3.2.4).
 */

/** A parsed `traceparent`: ids in lowercase hex, `sampled` from the flags' low bit. */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: number;
}

const V00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const FUTURE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 }
 * parseTraceparent('00-4BF9...'); // null (uppercase is not the format)
 */
export function parseTraceparent(header: string | string[] | undefined): TraceParent | null {
  // Two traceparent headers are ambiguous: neither is trusted.
  if (typeof header !== 'string' || header.length > 512) return null;
  const v = header.trim();
  let traceId: string;
  let spanId: string;
  let flags: string;
  const m = V00.exec(v);
  if (m) {
    traceId = m[1]!;
    spanId = m[2]!;
    flags = m[3]!;
  } else {
    const f = FUTURE.exec(v);
    if (!f || f[1] === '00' || f[1] === 'ff') return null;
    traceId = f[2]!;
    spanId = f[3]!;
    flags = f[4]!;
  }
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, flags: parseInt(flags, 16) };
}
