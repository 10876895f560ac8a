import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The `error` values of the deny contract (DESIGN.md, "Contracts users rely on"). */
export type DenyError =
  | 'policy_denied'
  | 'path_outside_route'
  | 'ssrf_blocked'
  | 'bad_request'
  | 'bad_host'
  | 'host_mismatch'
  | 'dns_failed'
  | 'upstream_unreachable'
  | 'upstream_tls_failed'
  | 'upstream_timeout'
  | 'upstream_failed'
  | 'upstream_malformed_response'
  | 'upstream_body_reset'
  | 'upstream_body_timeout'
  | 'client_aborted'
  | 'unsupported'
  | 'identity_required'
  | 'identity_invalid'
  | 'identity_expired'
  | 'identity_revoked'
  | 'state_unavailable'
  | 'audit_unavailable'
  | 'credential_unavailable'
  | 'placeholder_denied'
  | 'credential_plaintext_refused'
  | 'dlp_blocked'
  | 'message_too_large'
  | 'body_too_large_to_scan'
  | 'a2a_card_changed'
  | 'injection_blocked'
  | 'decompression_bomb'
  | 'response_unreadable'
  | 'jsonrpc_unreadable'
  | 'inspection_budget_exceeded'
  | 'overloaded'
  | 'shutting_down'
  | 'internal_error';

/** Everything a deny body says. `reason` is for people; `error` and `rule` are for code. */
export interface DenyBody {
  error: DenyError;
  reason: string;
  rule: string | null;
  decision_id: string;
}

export const DECISION_HEADER = 'x-sluice-decision';

/**
 * Answer with the deny contract: JSON body, `x-sluice-decision` header, no caching.
 *
 * @example
 * sendDeny(res, 403, { error: 'policy_denied', reason: 'no rule allows host x', rule: 'default-deny', decision_id });
 */
export function sendDeny(res: ServerResponse, status: number, body: DenyBody, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  if (res.headersSent) {
    // Too late for a clean answer: cutting the connection is the only honest signal.
    res.destroy();
    return;
  }
  // The gate's own reason phrase: a statusMessage left from the upstream's head would send `403 OK`.
  res.writeHead(status, STATUS_CODES[status] ?? '', {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store',
    [DECISION_HEADER]: body.decision_id,
  });
  res.end(json);
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  407: 'Proxy Authentication Required',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  421: 'Misdirected Request',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

/**
 * The deny contract written straight onto a socket that has no ServerResponse
 * (a CONNECT that is refused, or a request the HTTP parser rejected), then closed.
 */
export function writeRawDeny(socket: Duplex, status: number, body: DenyBody, headers: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(json)}\r\n` +
      'cache-control: no-store\r\n' +
      `${DECISION_HEADER}: ${body.decision_id}\r\n` +
      Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('') +
      'connection: close\r\n\r\n' +
      json,
  );
}

/**
 * Any complete HTTP/1.1 response written straight onto a socket, then closed: for
 * answers on a connection the HTTP server has handed over (a WebSocket upgrade
 * answered by a `respond:` rule).
 *
 * @example
 * writeRawResponse(socket, 200, { 'content-type': 'text/plain' }, Buffer.from('ok'));
 */
export function writeRawResponse(socket: Duplex, status: number, headers: Record<string, string>, body: Buffer): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head =
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Response'}\r\n` +
    Object.entries(headers)
      .filter(([k]) => !/^(content-length|connection|transfer-encoding)$/i.test(k))
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  socket.write(head);
  socket.end(body);
}
