/**
 * The refusal table: every code the gate answers a refusal or a failure with, bound
 * once to its HTTP status, its stable `SLUICE_*` code and its JSON-RPC error code.
 * A throw site names the code and its detail text; the status and the JSON-RPC code
 * come from here, so one refusal never answers two ways (DESIGN.md, "The pipeline").
 * The code is the deny body's `error`, the audit record's `reason` (and its `error`
 * when the outcome is `error`), and `data.error` of a JSON-RPC refusal.
 *
 * JSON-RPC: -32001 is "refused by the gate" (in the implementation-defined server
 * range; MCP itself uses -32002 and -32042); a failure that is not a refusal is -32603
 * (internal error); a tool call the gate cannot read is -32602 (invalid params) and a
 * message that is not JSON-RPC -32600 (invalid request), as JSON-RPC 2.0 §5.1 says
 * (and so does the sender of any message the gate cannot parse: jsonRpcCodeFor).
 * A2A answers every refusal with -32000, since -32001 is A2A's TaskNotFoundError
 * (inspect/a2a/methods.ts).
 *
 * @example
 * throw new Rejection('policy_denied', 'rule no-admin denies this request', 'no-admin'); // 403
 * REFUSALS.human_approval_required.status // 428
 */
import { ErrorCode } from './errors.js';

/** JSON-RPC error codes the gate answers with. */
export const JSONRPC_REFUSED = -32001;
export const JSONRPC_PARSE_ERROR = -32700;
export const JSONRPC_INVALID_REQUEST = -32600;
export const JSONRPC_INVALID_PARAMS = -32602;
export const JSONRPC_INTERNAL_ERROR = -32603;

export interface RefusalSpec {
  /** HTTP status of the deny contract (4xx: the request is refused; 5xx: the gate or the upstream failed). */
  readonly status: number;
  /** The stable code for code and logs; never renamed once published. */
  readonly sluice: ErrorCode;
  /** The JSON-RPC error code when the refusal answers an MCP message. */
  readonly jsonRpc: number;
  /** Something failed (the upstream, the gate): the record's outcome is `error`, not `deny`. */
  readonly failure: boolean;
}

const refused = (status: number, sluice: ErrorCode, jsonRpc = JSONRPC_REFUSED): RefusalSpec => ({ status, sluice, jsonRpc, failure: false });
const failed = (status: number, sluice: ErrorCode): RefusalSpec => ({ status, sluice, jsonRpc: JSONRPC_INTERNAL_ERROR, failure: true });

export const REFUSALS = {
  // Who is asking (407 invites the client to send credentials; a revocation is final: 403).
  identity_required: refused(407, ErrorCode.IDENTITY_REQUIRED),
  identity_invalid: refused(407, ErrorCode.IDENTITY_INVALID),
  identity_expired: refused(407, ErrorCode.IDENTITY_EXPIRED),
  identity_revoked: refused(403, ErrorCode.IDENTITY_REVOKED),
  state_unavailable: refused(503, ErrorCode.STATE_UNAVAILABLE),
  // The operator's red button (`sluice kill`): every tenant, or the asking one; lifted only from the CLI.
  gate_killed: refused(503, ErrorCode.GATE_KILLED),

  // What the agent sent cannot be read as the upstream would read it.
  bad_request: refused(400, ErrorCode.BAD_REQUEST),
  bad_host: refused(400, ErrorCode.BAD_HOST),
  host_mismatch: refused(421, ErrorCode.HOST_MISMATCH),
  request_timeout: refused(408, ErrorCode.REQUEST_TIMEOUT),
  request_head_too_large: refused(431, ErrorCode.REQUEST_HEAD_TOO_LARGE),
  // RFC 9110 §15.6.2: a function the gate does not implement (an Upgrade other than WebSocket).
  unsupported: refused(501, ErrorCode.UNSUPPORTED),
  // RFC 9110 §15.5.16 and §8.4.1: content in a coding the gate cannot decode to inspect.
  unsupported_encoding: refused(415, ErrorCode.UNSUPPORTED_ENCODING),
  message_too_large: refused(413, ErrorCode.MESSAGE_TOO_LARGE),
  body_too_large_to_scan: refused(413, ErrorCode.BODY_TOO_LARGE_TO_SCAN),
  decompression_bomb: refused(403, ErrorCode.DECOMPRESSION_BOMB),
  jsonrpc_unreadable: refused(400, ErrorCode.JSONRPC_UNREADABLE),

  // The policy and the credential.
  policy_denied: refused(403, ErrorCode.POLICY_DENIED),
  // A destination the operator quarantined (`sluice quarantine`), refused before the policy is read.
  quarantined: refused(403, ErrorCode.QUARANTINED),
  path_outside_route: refused(403, ErrorCode.PATH_OUTSIDE_ROUTE),
  ssrf_blocked: refused(403, ErrorCode.SSRF_BLOCKED),
  credential_plaintext_refused: refused(403, ErrorCode.CREDENTIAL_PLAINTEXT_REFUSED),
  placeholder_denied: refused(403, ErrorCode.PLACEHOLDER_DENIED),
  credential_unavailable: refused(502, ErrorCode.CREDENTIAL_UNAVAILABLE),
  // A brokered credential's token endpoint (OAuth 2.0, RFC 8693) failed: the request goes nowhere without its token.
  token_endpoint_failed: failed(502, ErrorCode.TOKEN_ENDPOINT_FAILED),
  // A request a signing credential (aws_sigv4) cannot sign as sent: a presigned URL, signed streaming chunks, an unhashable body.
  request_not_signable: refused(400, ErrorCode.REQUEST_NOT_SIGNABLE),

  // Inspection, both ways.
  dlp_blocked: refused(403, ErrorCode.DLP_BLOCKED),
  injection_blocked: refused(403, ErrorCode.INJECTION_BLOCKED),
  inspection_budget_exceeded: refused(403, ErrorCode.INSPECTION_BUDGET_EXCEEDED),
  response_unreadable: refused(403, ErrorCode.RESPONSE_UNREADABLE),
  // The upstream's body is corrupt under its own content-encoding: the upstream failed.
  response_corrupt: failed(502, ErrorCode.RESPONSE_CORRUPT),
  a2a_card_changed: refused(403, ErrorCode.A2A_CARD_CHANGED),

  // MCP tool calls (answered as JSON-RPC; the status is for the HTTP transport's deny body).
  shell_obfuscation_blocked: refused(403, ErrorCode.SHELL_OBFUSCATION_BLOCKED),
  chain_blocked: refused(403, ErrorCode.CHAIN_BLOCKED),
  mcp_tool_changed: refused(403, ErrorCode.MCP_TOOL_CHANGED),
  tool_poisoning_blocked: refused(403, ErrorCode.TOOL_POISONING_BLOCKED),
  batch_refused: refused(403, ErrorCode.BATCH_REFUSED),
  mcp_invalid_call: refused(400, ErrorCode.MCP_INVALID_CALL, JSONRPC_INVALID_PARAMS),
  mcp_invalid_message: refused(400, ErrorCode.MCP_INVALID_MESSAGE, JSONRPC_INVALID_REQUEST),
  mcp_guard_failed: refused(500, ErrorCode.MCP_GUARD_FAILED),

  // Governance: an approval gate and budgets/rate limits (DESIGN.md, "Contracts users rely on").
  human_approval_required: refused(428, ErrorCode.APPROVAL_REQUIRED),
  // An approver said no (`sluice approvals deny`), or nobody decided before the approval expired.
  approval_denied: refused(403, ErrorCode.APPROVAL_DENIED),
  approval_expired: refused(403, ErrorCode.APPROVAL_EXPIRED),
  // A body an approval must be bound to is digested whole: over `approvals.max_body_bytes` it cannot be.
  approval_body_too_large: refused(413, ErrorCode.APPROVAL_BODY_TOO_LARGE),
  // A session already has `approvals.max_pending_per_session` approvals waiting: no new one is opened until some are decided or expire.
  too_many_pending_approvals: refused(429, ErrorCode.APPROVALS_PENDING_LIMIT),
  // Blast radius: a session past `blast_radius.mcp_max_chain_depth` tool calls.
  chain_depth_exceeded: refused(403, ErrorCode.CHAIN_DEPTH_EXCEEDED),
  budget_exhausted: refused(429, ErrorCode.BUDGET_EXHAUSTED),
  // A budget with `on_exhausted: pause` ran out: its account is refused until an operator raises it.
  budget_paused: refused(429, ErrorCode.BUDGET_PAUSED),
  rate_limited: refused(429, ErrorCode.RATE_LIMITED),

  // The gate's own health (fail closed).
  audit_unavailable: refused(503, ErrorCode.AUDIT_UNAVAILABLE),
  overloaded: refused(503, ErrorCode.OVERLOADED),
  shutting_down: refused(503, ErrorCode.SHUTTING_DOWN),

  // The upstream failed: translated once at the edge (errors-map.ts, upstream-failure.ts);
  // the OS or undici code behind one of these goes to the log, never to the audit record.
  dns_failed: failed(502, ErrorCode.DNS_FAILED),
  upstream_unreachable: failed(502, ErrorCode.UPSTREAM_CONNECT),
  upstream_tls_failed: failed(502, ErrorCode.UPSTREAM_TLS),
  upstream_timeout: failed(504, ErrorCode.UPSTREAM_TIMEOUT),
  upstream_failed: failed(502, ErrorCode.UPSTREAM_FAILED),
  upstream_malformed_response: failed(502, ErrorCode.UPSTREAM_MALFORMED),
  upstream_body_reset: failed(502, ErrorCode.UPSTREAM_BODY_RESET),
  upstream_body_timeout: failed(504, ErrorCode.UPSTREAM_BODY_TIMEOUT),

  // 499 (nginx's "client closed request"): nobody reads it; it names the outcome.
  client_aborted: failed(499, ErrorCode.CLIENT_ABORTED),
  internal_error: failed(500, ErrorCode.INTERNAL),
  // An operator's own pipeline step (config `middleware:`) threw, hung, or ended the exchange without a word.
  step_failed: failed(500, ErrorCode.STEP_FAILED),
} as const satisfies Record<string, RefusalSpec>;

/**
 * Structured fallbacks that are not refusals: the request is answered, with less than
 * the upstream sent. The status is the upstream's; the code is the audit record's
 * `reason` and its findings' `type`, and `header` names what was held back.
 *
 * @example
 * FALLBACKS.partial_result.header // 'x-sluice-partial'
 */
export const FALLBACKS = {
  // A rule's `redact:` replaced fields of the response (proxy/partial-result.ts, mcp/steps/redact-answer.ts).
  partial_result: { sluice: ErrorCode.PARTIAL_RESULT, header: 'x-sluice-partial' },
} as const;

/** Every refusal code; a deny body, a Rejection or a JSON-RPC refusal can carry no other. */
export type RefusalCode = keyof typeof REFUSALS;

const BY_SLUICE: ReadonlyMap<string, RefusalCode> = new Map(Object.entries(REFUSALS).map(([code, spec]) => [spec.sluice, code as RefusalCode]));

/**
 * The refusal a `SLUICE_*` code stands for, or null when it is not a refusal (a config
 * error, a missing key).
 *
 * @example
 * refusalOfSluiceCode('SLUICE_SSRF_BLOCKED') // 'ssrf_blocked'
 */
export function refusalOfSluiceCode(code: string): RefusalCode | null {
  return BY_SLUICE.get(code) ?? null;
}

/** Whether a string is a refusal code (for data read back from a peer). */
export function isRefusalCode(code: string): code is RefusalCode {
  return Object.hasOwn(REFUSALS, code);
}

/**
 * The JSON-RPC code of a refusal. The sender of a message the gate cannot parse as
 * JSON-RPC gets the code JSON-RPC 2.0 §5.1 fixes for it, whatever the refusal: -32700
 * for text that is not (strict) JSON, -32600 for JSON that is not a valid message.
 *
 * @example
 * jsonRpcCodeFor('jsonrpc_unreadable') // -32001
 * jsonRpcCodeFor('jsonrpc_unreadable', 'parse') // -32700
 */
export function jsonRpcCodeFor(code: RefusalCode, malformed?: 'parse' | 'invalid'): number {
  if (malformed === 'parse') return JSONRPC_PARSE_ERROR;
  if (malformed === 'invalid') return JSONRPC_INVALID_REQUEST;
  return REFUSALS[code].jsonRpc;
}
