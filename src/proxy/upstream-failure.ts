import { errors } from 'undici';
import { UpstreamError } from '../errors.js';
import { REFUSALS } from '../refusals.js';

/** What went wrong with an upstream's response, as the agent and the audit trail see it. */
export type UpstreamOutcome = 'upstream_malformed_response' | 'upstream_body_reset' | 'upstream_body_timeout';

/**
 * The upstream's response failed after it was sent for: not valid HTTP/1.1, or its
 * body ended early (connection reset) or stalled past `timeouts.idle`. `detail` is
 * the precise cause for the record's `error`: the parser's `HPE_*` code for a
 * malformed response, else the outcome itself. Messages name codes and the parser's
 * own wording, never a byte of what the upstream sent (a header value may be a secret).
 */
export class UpstreamResponseError extends UpstreamError {
  constructor(
    readonly outcome: UpstreamOutcome,
    readonly detail: string,
    /** The socket-level cause (ECONNRESET, UND_ERR_SOCKET, ...), for the log. */
    readonly causeCode: string | null,
    message: string,
  ) {
    super(REFUSALS[outcome].sluice, message);
  }
}

/**
 * llhttp's reasons, mapped back to its `HPE_*` codes (undici drops the code: it looks
 * the number up in a name→number table). First match wins, so the specific come first.
 */
const PARSER_REASONS: readonly [RegExp, string][] = [
  [/EOF state/, 'HPE_INVALID_EOF_STATE'],
  [/after `Connection: close`/, 'HPE_CLOSED_CONNECTION'],
  [/expected CR|Expected CRLF/, 'HPE_CR_EXPECTED'],
  [/Expected LF|expected LF/, 'HPE_LF_EXPECTED'],
  [/whitespace|space after start line/, 'HPE_UNEXPECTED_SPACE'],
  [/Duplicate Content-Length|can't be present with/, 'HPE_UNEXPECTED_CONTENT_LENGTH'],
  [/Content-Length/, 'HPE_INVALID_CONTENT_LENGTH'],
  [/Transfer-Encoding/, 'HPE_INVALID_TRANSFER_ENCODING'],
  [/[Cc]hunk/, 'HPE_INVALID_CHUNK_SIZE'],
  [/status/, 'HPE_INVALID_STATUS'],
  [/version|Expected dot/, 'HPE_INVALID_VERSION'],
  [/Expected HTTP\/|Invalid word/, 'HPE_INVALID_CONSTANT'],
  [/header/, 'HPE_INVALID_HEADER_TOKEN'],
];

/** llhttp's reason text in undici's message ("... protocol (Invalid header token)"): fixed wording, no input bytes. */
function parserReason(message: string): string {
  const m = /\(([^()]{1,80})\)$/.exec(message);
  return m ? m[1]! : 'unknown parser error';
}

function parserCode(err: Error & { code?: unknown }): string {
  // A future undici may give the name itself; a number suffix is the bug this works around.
  if (typeof err.code === 'string' && /^HPE_[A-Z_]+$/.test(err.code)) return err.code;
  const reason = parserReason(err.message);
  return PARSER_REASONS.find(([re]) => re.test(reason))?.[1] ?? 'HPE_INVALID';
}

function codeOf(err: unknown): string | null {
  return err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : null;
}

/**
 * Name a failure of the upstream exchange precisely, or return null to leave it as it
 * is (a connect failure, a refusal, an abort the gate made itself). `started`: the
 * upstream's final head had arrived, so a lost connection lost part of a body.
 *
 * @example
 * classifyUpstreamFailure(err, true); // UpstreamResponseError('upstream_body_reset', ...) for a read ECONNRESET
 */
export function classifyUpstreamFailure(err: unknown, started: boolean): UpstreamResponseError | null {
  if (err instanceof errors.HTTPParserError) {
    const e = err as Error & { code?: unknown };
    const code = parserCode(e);
    return new UpstreamResponseError(
      'upstream_malformed_response',
      code,
      null,
      `the upstream's response is not valid HTTP/1.1 (${code}: ${parserReason(e.message)})`,
    );
  }
  const code = codeOf(err);
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return new UpstreamResponseError(
      'upstream_malformed_response',
      code,
      null,
      "the upstream's response body does not match its Content-Length (UND_ERR_RES_CONTENT_LENGTH_MISMATCH)",
    );
  }
  if (!started) return null;
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return new UpstreamResponseError(
      'upstream_body_timeout',
      'upstream_body_timeout',
      code,
      'the upstream stopped sending the response body for longer than timeouts.idle',
    );
  }
  const cause = code === 'UND_ERR_SOCKET' && err !== null && typeof err === 'object' && 'cause' in err ? codeOf(err.cause) : null;
  if (code === 'UND_ERR_SOCKET' && cause === null) {
    // A clean close before the length the head declared: the message is cut short, which
    // llhttp itself calls an invalid EOF state.
    return new UpstreamResponseError(
      'upstream_malformed_response',
      'HPE_INVALID_EOF_STATE',
      code,
      'the upstream closed the connection before the end of the response body, short of its Content-Length or without the last chunk (HPE_INVALID_EOF_STATE)',
    );
  }
  const lost = cause ?? code;
  if (lost === 'ECONNRESET' || lost === 'EPIPE' || lost === 'ECONNABORTED' || lost === 'ETIMEDOUT') {
    return new UpstreamResponseError(
      'upstream_body_reset',
      'upstream_body_reset',
      lost,
      `the upstream's connection was reset while it sent the response body (${lost})`,
    );
  }
  return null;
}
