import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { REFUSALS, type RefusalCode } from '../refusals.js';

/** The `error` values of the deny contract (DESIGN.md, "Contracts users rely on"): the refusal table's codes. */
export type DenyError = RefusalCode;

/** Everything a deny body says. `reason` is for people; `error` and `rule` are for code. */
export interface DenyBody {
  error: DenyError;
  reason: string;
  rule: string | null;
  decision_id: string;
  /** budget_exhausted, budget_paused: the budget, its limit, what was used, when it resets. */
  budget?: DenyDetails['budget'];
}

/** Deny-body fields a refusal may add to the contract's four. */
export interface DenyDetails {
  readonly budget?: Readonly<Record<string, string | number | null>>;
}

export const DECISION_HEADER = 'x-sluice-decision';

/**
 * Answer with the deny contract (the status is the refusal table's for `body.error`): JSON body, `x-sluice-decision` header, no caching.
 *
 * @example
 * sendDeny(res, { error: 'policy_denied', reason: 'no rule allows host x', rule: 'default-deny', decision_id });
 */
export function sendDeny(res: ServerResponse, body: DenyBody, headers: Record<string, string> = {}): void {
  const status = REFUSALS[body.error].status;
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
  415: 'Unsupported Media Type',
  421: 'Misdirected Request',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

/**
 * The deny contract written straight onto a socket that has no ServerResponse
 * (a CONNECT that is refused, or a request the HTTP parser rejected), then closed.
 */
export function writeRawDeny(socket: Duplex, body: DenyBody, headers: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = REFUSALS[body.error].status;
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
