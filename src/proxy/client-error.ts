import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { newDecisionId } from '../audit/decision-id.js';
import { writeRawDeny } from './deny-response.js';

// llhttp's error codes, translated into what the agent did wrong and how to fix it.
const PARSER_ERRORS: Record<string, { status: number; reason: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'request head is larger than limits.max_header_bytes' },
  HPE_INVALID_CONTENT_LENGTH: { status: 400, reason: 'invalid Content-Length header: expected one non-negative integer' },
  HPE_UNEXPECTED_CONTENT_LENGTH: {
    status: 400,
    reason: 'conflicting message length: duplicate Content-Length, or Content-Length together with Transfer-Encoding (request smuggling risk)',
  },
  HPE_INVALID_TRANSFER_ENCODING: { status: 400, reason: 'invalid Transfer-Encoding: chunked must be the final encoding' },
  HPE_INVALID_METHOD: { status: 400, reason: 'malformed request line: unknown or invalid method' },
  HPE_INVALID_URL: { status: 400, reason: 'malformed request line: invalid request target' },
  HPE_INVALID_VERSION: { status: 400, reason: 'malformed request line: expected HTTP/1.0 or HTTP/1.1' },
  HPE_INVALID_CONSTANT: { status: 400, reason: 'malformed request: not HTTP/1.x' },
  HPE_INVALID_HEADER_TOKEN: { status: 400, reason: 'malformed header line: invalid character in a header name' },
  HPE_INVALID_CHUNK_SIZE: { status: 400, reason: 'malformed chunked body: invalid chunk size' },
  HPE_CR_EXPECTED: { status: 400, reason: 'malformed request: bare LF where CRLF is required' },
  HPE_LF_EXPECTED: { status: 400, reason: 'malformed request: expected LF after CR' },
  HPE_UNEXPECTED_SPACE: { status: 400, reason: 'malformed request: unexpected whitespace' },
  HPE_STRICT: { status: 400, reason: 'malformed request: violates HTTP/1.1 syntax' },
  HPE_HEADERS_TIMEOUT: { status: 408, reason: 'request head not received within timeouts.headers' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'request not received within the time limit' },
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
  const known = PARSER_ERRORS[code] ?? { status: 400, reason: `malformed request (${code})` };
  const decision_id = newDecisionId();
  logger.warn({ decision_id, code, status: known.status }, `bad request: ${known.reason}`);
  writeRawDeny(socket, known.status, { error: 'bad_request', reason: known.reason, rule: null, decision_id });
}
