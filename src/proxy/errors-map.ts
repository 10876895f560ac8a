import { SluiceError, ErrorCode } from '../errors.js';
import { IdentityError } from '../identity/errors.js';
import { ResponseBlockedError } from './response-inspector.js';
import type { DenyError } from './deny-response.js';
import { ClientAbortedError } from './client-abort.js';
import { classifyUpstreamFailure, UpstreamResponseError } from './upstream-failure.js';

/** A request the gate refuses: status, contract error, a reason a person can act on. */
export class Rejection extends Error {
  constructor(
    readonly status: number,
    readonly error: DenyError,
    readonly reason: string,
    readonly rule: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
    this.name = 'Rejection';
  }
}

export interface MappedFailure {
  status: number;
  error: DenyError;
  reason: string;
  rule: string | null;
  /** `deny` when the gate refused, `error` when something upstream failed. */
  outcome: 'deny' | 'error' | 'challenge';
  code: string;
  /** The lower-level cause behind `code` (ECONNRESET under `upstream_body_reset`), for the log only. */
  cause?: string | null;
  /** Extra response headers (e.g. `proxy-authenticate` on a 407). */
  headers: Record<string, string>;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/**
 * Turn anything a pipeline step threw into the deny contract. Unknown errors become
 * `internal_error` (fail closed) and never echo their message to the agent.
 */
export function mapFailure(thrown: unknown): MappedFailure {
  // A refusal raised inside a body stream reaches us wrapped by the HTTP client.
  const err = ownCause(thrown) ?? thrown;
  if (err instanceof Rejection) {
    return { status: err.status, error: err.error, reason: err.reason, rule: err.rule, outcome: 'deny', code: err.error, headers: err.headers };
  }
  if (err instanceof ClientAbortedError) {
    // Nobody reads this answer; the record and the debug log say what happened.
    return { status: 499, error: 'client_aborted', reason: err.message, rule: null, outcome: 'error', code: 'client_aborted', headers: {} };
  }
  // A parser error that did not come through forward() (which names it already) is named here.
  const precise = err instanceof UpstreamResponseError ? err : classifyUpstreamFailure(err, false);
  if (precise) {
    const status = precise.outcome === 'upstream_body_timeout' ? 504 : 502;
    return { status, error: precise.outcome, reason: precise.message, rule: null, outcome: 'error', code: precise.detail, cause: precise.causeCode, headers: {} };
  }
  if (err instanceof ResponseBlockedError) {
    return { status: err.status, error: err.error, reason: err.reason, rule: null, outcome: err.status === 502 ? 'error' : 'deny', code: err.error, headers: {} };
  }
  if (err instanceof IdentityError) {
    const required = err.reason === 'identity_required' || err.reason === 'identity_invalid' || err.reason === 'identity_expired';
    return {
      status: required ? 407 : 403,
      error: err.reason,
      reason: err.message,
      rule: null,
      outcome: err.reason === 'identity_required' ? 'challenge' : 'deny',
      code: err.code,
      // 407 invites the client to (re)send credentials; a revoked identity is final.
      headers: required ? { 'proxy-authenticate': 'Basic realm="sluice"' } : {},
    };
  }
  if (err instanceof SluiceError) {
    switch (err.code) {
      case ErrorCode.STATE_UNAVAILABLE:
        return { status: 503, error: 'state_unavailable', reason: stateReason(err.details.cause), rule: null, outcome: 'deny', code: err.code, headers: {} };
      case ErrorCode.SSRF_BLOCKED:
        return { status: 403, error: 'ssrf_blocked', reason: err.message, rule: null, outcome: 'deny', code: err.code, headers: {} };
      case ErrorCode.BAD_HOST:
        return { status: 400, error: 'bad_host', reason: err.message, rule: null, outcome: 'deny', code: err.code, headers: {} };
      case ErrorCode.DNS_FAILED:
        return { status: 502, error: 'dns_failed', reason: err.message, rule: null, outcome: 'error', code: err.code, headers: {} };
      default:
        break;
    }
  }
  const code = errorCode(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return upstream(504, 'upstream_timeout', 'timed out connecting to the upstream', code);
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return upstream(504, 'upstream_timeout', 'the upstream did not send response headers in time', code);
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return upstream(504, 'upstream_timeout', 'the upstream stalled while sending the body', code);
  }
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return upstream(502, 'upstream_unreachable', `could not connect to the upstream (${code})`, code);
  }
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))) {
    return upstream(502, 'upstream_tls_failed', `the upstream's TLS certificate did not verify (${code})`, code);
  }
  if (code === 'UND_ERR_SOCKET' || code === 'UND_ERR_ABORTED' || code === 'EPIPE') {
    return upstream(502, 'upstream_failed', `the upstream connection failed (${code})`, code);
  }
  return {
    status: 500,
    error: 'internal_error',
    reason: 'the gate failed to handle this request',
    rule: null,
    outcome: 'error',
    code: code ?? ErrorCode.INTERNAL,
    headers: {},
  };
}

function ownCause(err: unknown): unknown {
  for (let e: unknown = err, i = 0; e && typeof e === 'object' && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (e instanceof Rejection || e instanceof ResponseBlockedError || e instanceof IdentityError) return e;
  }
  return undefined;
}

function upstream(status: number, error: DenyError, reason: string, code: string): MappedFailure {
  return { status, error, reason, rule: null, outcome: 'error', code, headers: {} };
}

function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    // undici wraps socket errors; the OS or TLS code is on the cause.
    if (err.code === 'UND_ERR_SOCKET' && 'cause' in err) return errorCode(err.cause) ?? err.code;
    return err.code;
  }
  if (err && typeof err === 'object' && 'cause' in err) return errorCode(err.cause);
  return undefined;
}

/** Why the gate's state is unusable, for the deny body and its record (no file path: that is for the log). */
function stateReason(cause: unknown): string {
  switch (cause) {
    case 'removed':
    case 'replaced':
      return `the gate's state database was ${cause} while in use; refusing (fail closed) until it is back or the gate restarts`;
    case 'locked':
      return "the gate's state database is locked by another process; refusing (fail closed)";
    default:
      return 'the gate cannot read its revocation state; refusing (fail closed)';
  }
}
