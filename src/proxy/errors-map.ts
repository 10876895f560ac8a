import { SluiceError, ErrorCode } from '../errors.js';
import { IdentityError } from '../identity/errors.js';
import { ResponseBlockedError } from './response-inspector.js';
import { REFUSALS, refusalOfSluiceCode, type RefusalCode } from '../refusals.js';
import { ClientAbortedError } from './client-abort.js';
import { classifyUpstreamFailure, UpstreamResponseError } from './upstream-failure.js';
import type { DenyDetails } from './deny-response.js';

/**
 * A request the gate refuses: its refusal code (the status comes from the refusal
 * table), a reason a person can act on, the rule, and any extra answer headers.
 *
 * @example
 * throw new Rejection('bad_request', 'a WebSocket handshake carries no body'); // 400
 */
export class Rejection extends Error {
  constructor(
    readonly error: RefusalCode,
    readonly reason: string,
    readonly rule: string | null = null,
    readonly headers: Record<string, string> = {},
    /** Facts the deny body carries besides the contract's four (a budget's limit, what was used). */
    readonly details: DenyDetails = {},
  ) {
    super(reason);
    this.name = 'Rejection';
  }

  /** Members the deny body carries besides the contract's (an approval's id and diff). */
  extra: Readonly<Record<string, unknown>> | null = null;

  get status(): number {
    return REFUSALS[this.error].status;
  }
}

export interface MappedFailure {
  status: number;
  /** The refusal code: the deny body's `error`, and the audit record's `error` when the outcome is `error`. */
  error: RefusalCode;
  reason: string;
  rule: string | null;
  /** `deny` when the gate refused, `error` when something upstream failed. */
  outcome: 'deny' | 'error' | 'challenge';
  /** The most precise code for the log line (a `SLUICE_*` code, `HPE_*`, ECONNREFUSED); never for the audit record. */
  code: string;
  /** The lower-level cause behind `code` (ECONNRESET under `upstream_body_reset`), for the log only. */
  cause?: string | null;
  /** Extra response headers (e.g. `proxy-authenticate` on a 407). */
  headers: Record<string, string>;
  /** Extra deny-body fields (Rejection's `details`). */
  details?: DenyDetails;
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
 * The SluiceErrors a pipeline step may throw whose message is written for the agent.
 * Any other (a start-up error naming a file, say) is an internal error to the agent.
 */
const TOLD_TO_THE_AGENT: ReadonlySet<RefusalCode> = new Set(['state_unavailable', 'ssrf_blocked', 'bad_host', 'dns_failed']);

/** One failure in the deny contract; the status always comes from the refusal table. */
function failure(
  error: RefusalCode,
  reason: string,
  outcome: MappedFailure['outcome'],
  code: string,
  extra: Partial<Pick<MappedFailure, 'rule' | 'cause' | 'headers' | 'details'>> = {},
): MappedFailure {
  return {
    status: REFUSALS[error].status,
    error,
    reason,
    rule: extra.rule ?? null,
    outcome,
    code,
    headers: extra.headers ?? {},
    ...(extra.cause !== undefined ? { cause: extra.cause } : {}),
    ...(extra.details !== undefined ? { details: extra.details } : {}),
  };
}

/**
 * Turn anything a pipeline step threw into the deny contract. This is the edge where
 * an upstream's failure is translated: undici's and the OS's codes (ECONNRESET,
 * UND_ERR_*) become Sluice's refusal codes, and the raw code stays in `code`/`cause`,
 * which only the log reads. Unknown errors become `internal_error` (fail closed) and
 * never echo their message to the agent.
 */
export function mapFailure(thrown: unknown): MappedFailure {
  // A refusal raised inside a body stream reaches us wrapped by the HTTP client.
  const err = ownCause(thrown) ?? thrown;
  // The table says whether the code is a refusal (`deny`) or a failure (`error`: the upstream's, the gate's, an operator's step's).
  if (err instanceof Rejection)
    return failure(err.error, err.reason, REFUSALS[err.error].failure ? 'error' : 'deny', err.error, {
      rule: err.rule,
      headers: err.headers,
      details: err.details,
    });
  // Nobody reads this answer; the record and the debug log say what happened.
  if (err instanceof ClientAbortedError) return failure('client_aborted', err.message, 'error', 'client_aborted');
  // A parser error that did not come through forward() (which names it already) is named here.
  const precise = err instanceof UpstreamResponseError ? err : classifyUpstreamFailure(err, false);
  if (precise) return failure(precise.outcome, precise.message, 'error', precise.detail, { cause: precise.causeCode });
  if (err instanceof ResponseBlockedError) return failure(err.error, err.reason, REFUSALS[err.error].failure ? 'error' : 'deny', err.error);
  if (err instanceof IdentityError) {
    // 407 invites the client to (re)send credentials; a revoked identity is final (403).
    const challenge = REFUSALS[err.reason].status === 407;
    return failure(
      err.reason,
      err.message,
      err.reason === 'identity_required' ? 'challenge' : 'deny',
      err.code,
      challenge ? { headers: { 'proxy-authenticate': 'Basic realm="sluice"' } } : {},
    );
  }
  const named = err instanceof SluiceError ? refusalOfSluiceCode(err.code) : null;
  if (err instanceof SluiceError && named !== null && TOLD_TO_THE_AGENT.has(named)) {
    const reason = named === 'state_unavailable' ? stateReason(err.details.cause) : err.message;
    return failure(named, reason, REFUSALS[named].failure ? 'error' : 'deny', err.code);
  }
  const code = errorCode(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return upstream('upstream_timeout', 'timed out connecting to the upstream', code);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return upstream('upstream_timeout', 'the upstream did not send response headers in time', code);
  if (code === 'UND_ERR_BODY_TIMEOUT') return upstream('upstream_timeout', 'the upstream stalled while sending the body', code);
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return upstream('upstream_unreachable', `could not connect to the upstream (${code})`, code);
  }
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))) {
    return upstream('upstream_tls_failed', `the upstream's TLS certificate did not verify (${code})`, code);
  }
  if (code === 'UND_ERR_SOCKET' || code === 'UND_ERR_ABORTED' || code === 'EPIPE')
    return upstream('upstream_failed', `the upstream connection failed (${code})`, code);
  return failure('internal_error', 'the gate failed to handle this request', 'error', code ?? ErrorCode.INTERNAL);
}

function ownCause(err: unknown): unknown {
  for (let e: unknown = err, i = 0; e && typeof e === 'object' && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (e instanceof Rejection || e instanceof ResponseBlockedError || e instanceof IdentityError) return e;
  }
  return undefined;
}

function upstream(error: RefusalCode, reason: string, code: string): MappedFailure {
  return failure(error, reason, 'error', code);
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
