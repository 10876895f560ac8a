/**
 * Typed errors with stable codes. A deny, an abort and an upstream failure are
 * different types so callers (and the audit trail) never confuse them.
 *
 * @example
 * throw new ConfigError('SLUICE_CONFIG_INVALID', 'listen: expected HOST:PORT', { file, line: 3 });
 */

/** Every stable error code Sluice emits. Never renamed once published. */
export const ErrorCode = {
  CONFIG_INVALID: 'SLUICE_CONFIG_INVALID',
  CONFIG_UNREADABLE: 'SLUICE_CONFIG_UNREADABLE',
  POLICY_DENIED: 'SLUICE_POLICY_DENIED',
  SSRF_BLOCKED: 'SLUICE_SSRF_BLOCKED',
  BAD_HOST: 'SLUICE_BAD_HOST',
  BAD_REQUEST: 'SLUICE_BAD_REQUEST',
  DNS_FAILED: 'SLUICE_DNS_FAILED',
  UPSTREAM_CONNECT: 'SLUICE_UPSTREAM_CONNECT',
  UPSTREAM_TLS: 'SLUICE_UPSTREAM_TLS',
  UPSTREAM_TIMEOUT: 'SLUICE_UPSTREAM_TIMEOUT',
  UPSTREAM_FAILED: 'SLUICE_UPSTREAM_FAILED',
  /** The upstream's response broke HTTP/1.1 (status line, header, chunked framing, length). */
  UPSTREAM_MALFORMED: 'SLUICE_UPSTREAM_MALFORMED',
  /** The agent closed its connection before the exchange ended. */
  CLIENT_ABORTED: 'SLUICE_CLIENT_ABORTED',
  TLS_CA: 'SLUICE_TLS_CA',
  INTERNAL: 'SLUICE_INTERNAL',
  STEP_FAILED: 'SLUICE_STEP_FAILED',
  IDENTITY_REQUIRED: 'SLUICE_IDENTITY_REQUIRED',
  IDENTITY_INVALID: 'SLUICE_IDENTITY_INVALID',
  IDENTITY_EXPIRED: 'SLUICE_IDENTITY_EXPIRED',
  IDENTITY_REVOKED: 'SLUICE_IDENTITY_REVOKED',
  /** The token signing or verify key is missing or unusable. */
  IDENTITY_KEY: 'SLUICE_IDENTITY_KEY',
  /** A caller passed a value that breaks a documented rule (a bad agent id, a ttl over the limit). */
  INVALID_ARGUMENT: 'SLUICE_INVALID_ARGUMENT',
  /** `sluice kill` is in force for every tenant or for the asking one. */
  GATE_KILLED: 'SLUICE_GATE_KILLED',
  /** The destination is quarantined (`sluice quarantine`), for everyone. */
  QUARANTINED: 'SLUICE_QUARANTINED',
  /** The shared state store (revocations, ...) cannot be read or written. */
  STATE_UNAVAILABLE: 'SLUICE_STATE_UNAVAILABLE',
  /** The audit database cannot be opened (at start-up), or cannot record a request (fail closed). */
  AUDIT_UNAVAILABLE: 'SLUICE_AUDIT_UNAVAILABLE',
  // Refusals: each bound to its contract `error` in src/refusals.ts.
  PATH_OUTSIDE_ROUTE: 'SLUICE_PATH_OUTSIDE_ROUTE',
  HOST_MISMATCH: 'SLUICE_HOST_MISMATCH',
  REQUEST_HEAD_TOO_LARGE: 'SLUICE_REQUEST_HEAD_TOO_LARGE',
  REQUEST_TIMEOUT: 'SLUICE_REQUEST_TIMEOUT',
  UNSUPPORTED: 'SLUICE_UNSUPPORTED',
  UNSUPPORTED_ENCODING: 'SLUICE_UNSUPPORTED_ENCODING',
  MESSAGE_TOO_LARGE: 'SLUICE_MESSAGE_TOO_LARGE',
  BODY_TOO_LARGE_TO_SCAN: 'SLUICE_BODY_TOO_LARGE_TO_SCAN',
  DECOMPRESSION_BOMB: 'SLUICE_DECOMPRESSION_BOMB',
  JSONRPC_UNREADABLE: 'SLUICE_JSONRPC_UNREADABLE',
  CREDENTIAL_PLAINTEXT_REFUSED: 'SLUICE_CREDENTIAL_PLAINTEXT_REFUSED',
  PLACEHOLDER_DENIED: 'SLUICE_PLACEHOLDER_DENIED',
  CREDENTIAL_UNAVAILABLE: 'SLUICE_CREDENTIAL_UNAVAILABLE',
  TOKEN_ENDPOINT_FAILED: 'SLUICE_TOKEN_ENDPOINT_FAILED',
  REQUEST_NOT_SIGNABLE: 'SLUICE_REQUEST_NOT_SIGNABLE',
  DLP_BLOCKED: 'SLUICE_DLP_BLOCKED',
  INJECTION_BLOCKED: 'SLUICE_INJECTION_BLOCKED',
  INSPECTION_BUDGET_EXCEEDED: 'SLUICE_INSPECTION_BUDGET_EXCEEDED',
  RESPONSE_UNREADABLE: 'SLUICE_RESPONSE_UNREADABLE',
  RESPONSE_CORRUPT: 'SLUICE_RESPONSE_CORRUPT',
  A2A_CARD_CHANGED: 'SLUICE_A2A_CARD_CHANGED',
  SHELL_OBFUSCATION_BLOCKED: 'SLUICE_SHELL_OBFUSCATION_BLOCKED',
  CHAIN_BLOCKED: 'SLUICE_CHAIN_BLOCKED',
  MCP_TOOL_CHANGED: 'SLUICE_MCP_TOOL_CHANGED',
  TOOL_POISONING_BLOCKED: 'SLUICE_TOOL_POISONING_BLOCKED',
  BATCH_REFUSED: 'SLUICE_BATCH_REFUSED',
  MCP_INVALID_CALL: 'SLUICE_MCP_INVALID_CALL',
  MCP_INVALID_MESSAGE: 'SLUICE_MCP_INVALID_MESSAGE',
  MCP_GUARD_FAILED: 'SLUICE_MCP_GUARD_FAILED',
  APPROVAL_REQUIRED: 'SLUICE_APPROVAL_REQUIRED',
  APPROVAL_DENIED: 'SLUICE_APPROVAL_DENIED',
  APPROVAL_EXPIRED: 'SLUICE_APPROVAL_EXPIRED',
  APPROVAL_BODY_TOO_LARGE: 'SLUICE_APPROVAL_BODY_TOO_LARGE',
  APPROVALS_PENDING_LIMIT: 'SLUICE_APPROVALS_PENDING_LIMIT',
  CHAIN_DEPTH_EXCEEDED: 'SLUICE_CHAIN_DEPTH_EXCEEDED',
  BUDGET_EXHAUSTED: 'SLUICE_BUDGET_EXHAUSTED',
  BUDGET_PAUSED: 'SLUICE_BUDGET_PAUSED',
  RATE_LIMITED: 'SLUICE_RATE_LIMITED',
  /** Not a refusal: a response reached the agent with fields its rule's `redact:` names replaced. */
  PARTIAL_RESULT: 'SLUICE_PARTIAL_RESULT',
  OVERLOADED: 'SLUICE_OVERLOADED',
  SHUTTING_DOWN: 'SLUICE_SHUTTING_DOWN',
  UPSTREAM_BODY_RESET: 'SLUICE_UPSTREAM_BODY_RESET',
  UPSTREAM_BODY_TIMEOUT: 'SLUICE_UPSTREAM_BODY_TIMEOUT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class: a stable `code`, a human `message`, and optional structured details. */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** One problem found in a config file, with where it is. */
export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  path: string;
  message: string;
}

/** A config or policy file that cannot be used; lists every problem with its line. */
export class ConfigError extends SluiceError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: ConfigProblem[], code: ErrorCode = ErrorCode.CONFIG_INVALID) {
    super(code, problems.map(formatProblem).join('\n'), { problems });
    this.problems = problems;
  }
}

/** `file:line:col: path: message`, the shape editors and people both read. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line != null ? `${p.file}:${p.line}${p.column != null ? `:${p.column}` : ''}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** The destination address is not allowed (SSRF protection). Carries the class, never a secret. */
export class SsrfBlockedError extends SluiceError {
  constructor(message: string, details: { host: string; address?: string; range?: string; reason: string }) {
    super(ErrorCode.SSRF_BLOCKED, message, details);
  }
}

/** The upstream could not be reached or failed mid-exchange. Not a policy decision. */
export class UpstreamError extends SluiceError {}

/** A host string that is not a valid name or IP literal (zone ids, bad brackets, ...). */
export class BadHostError extends SluiceError {
  constructor(message: string, host: string) {
    super(ErrorCode.BAD_HOST, message, { host });
  }
}
