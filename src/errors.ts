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
  IDENTITY_REQUIRED: 'SLUICE_IDENTITY_REQUIRED',
  IDENTITY_INVALID: 'SLUICE_IDENTITY_INVALID',
  IDENTITY_EXPIRED: 'SLUICE_IDENTITY_EXPIRED',
  IDENTITY_REVOKED: 'SLUICE_IDENTITY_REVOKED',
  /** The token signing or verify key is missing or unusable. */
  IDENTITY_KEY: 'SLUICE_IDENTITY_KEY',
  /** A caller passed a value that breaks a documented rule (a bad agent id, a ttl over the limit). */
  INVALID_ARGUMENT: 'SLUICE_INVALID_ARGUMENT',
  /** The shared state store (revocations, ...) cannot be read or written. */
  STATE_UNAVAILABLE: 'SLUICE_STATE_UNAVAILABLE',
  /** The audit database cannot be opened (at start-up). */
  AUDIT_UNAVAILABLE: 'SLUICE_AUDIT_UNAVAILABLE',
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
