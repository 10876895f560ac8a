import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { newDecisionId } from '../audit/decision-id.js';
import { writeRawDeny } from './deny-response.js';
import { REFUSALS, type RefusalCode } from '../refusals.js';

// llhttp's error codes, translated into what the agent did wrong and how to fix it.
const MALFORMED: Record<string, string> = {
  HPE_INVALID_CONTENT_LENGTH: 'invalid Content-Length header: expected one non-negative integer',
  HPE_UNEXPECTED_CONTENT_LENGTH:
    'conflicting message length: duplicate Content-Length, or Content-Length together with Transfer-Encoding (request smuggling risk)',
  HPE_INVALID_TRANSFER_ENCODING: 'invalid Transfer-Encoding: chunked must be the final encoding',
  HPE_INVALID_METHOD: 'malformed request line: unknown or invalid method',
  HPE_INVALID_URL: 'malformed request line: invalid request target',
  HPE_INVALID_VERSION: 'malformed request line: expected HTTP/1.0 or HTTP/1.1',
  HPE_INVALID_CONSTANT: 'malformed request: not HTTP/1.x',
  HPE_INVALID_HEADER_TOKEN: 'malformed header line: invalid character in a header name',
  HPE_INVALID_CHUNK_SIZE: 'malformed chunked body: invalid chunk size',
  HPE_CR_EXPECTED: 'malformed request: bare LF where CRLF is required',
  HPE_LF_EXPECTED: 'malformed request: expected LF after CR',
  HPE_UNEXPECTED_SPACE: 'malformed request: unexpected whitespace',
  HPE_STRICT: 'malformed request: violates HTTP/1.1 syntax',
};

// The parser's refusals that are not a malformed request (431, 408).
const LIMITS: Record<string, { error: RefusalCode; reason: string }> = {
  HPE_HEADER_OVERFLOW: { error: 'request_head_too_large', reason: 'request head is larger than limits.max_header_bytes' },
  HPE_HEADERS_TIMEOUT: { error: 'request_timeout', reason: 'request head not received within timeouts.headers' },
  ERR_HTTP_REQUEST_TIMEOUT: { error: 'request_timeout', reason: 'request not received within the time limit' },
};

/**
 * The HTTP parser rejected what the agent sent. Answer with a precise 4xx in the deny
 * contract when the socket can still take it, log it, and close only this connection.
 */
export function handleClientError(logger: Logger, err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
  const code = err.code ?? 'unknown';
  // HPE_INVALID_EOF_STATE: the agent closed its connection part-way through a request (an aborted upload).
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
    logger.debug({ code }, 'client aborted: the agent closed its connection mid-request');
    socket.destroy();
    return;
  }
  const known = LIMITS[code] ?? { error: 'bad_request' as const, reason: MALFORMED[code] ?? `malformed request (${code})` };
  const decision_id = newDecisionId();
  logger.warn({ decision_id, code, status: REFUSALS[known.error].status }, `bad request: ${known.reason}`);
  writeRawDeny(socket, { error: known.error, reason: known.reason, rule: null, decision_id });
}
