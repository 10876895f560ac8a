import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// RFC 9110 §7.6.1 connection-specific fields, plus the proxy-only ones (RFC 9110 §11.7)
// and `expect`, which the gate answers itself before streaming the body on.
const ALWAYS_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'http2-settings',
]);
const ALWAYS_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  const joined = Array.isArray(value) ? value.join(',') : value;
  const tokens = new Set<string>();
  for (const t of joined.split(',')) {
    const name = t.trim().toLowerCase();
    if (name) tokens.add(name);
  }
  return tokens;
}

/**
 * Headers to send upstream: end-to-end fields only (RFC 9110 §7.6.1), including any
 * field the agent named in `Connection`. `Host` is kept; the caller sets it.
 *
 * @example
 * upstreamRequestHeaders(req.headers) // no proxy-authorization, no connection, ...
 */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = connectionTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const key in headers) {
    if (ALWAYS_REQUEST.has(key) || named?.has(key)) continue;
    const v = headers[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Headers to send back to the agent: the upstream's end-to-end fields only. */
export function clientResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const key in headers) {
    if (ALWAYS_RESPONSE.has(key) || named?.has(key)) continue;
    const v = headers[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}
