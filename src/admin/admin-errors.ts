/**
 * The admin API's refusals: each code bound once to its HTTP status. Kept apart from
 * src/refusals.ts on purpose: that table is what an agent is told (deny bodies,
 * JSON-RPC codes, `SLUICE_*` codes); these answer an operator's tool, and an agent
 * never sees one. The body is `{"error": code, "reason": text}` as the deny contract.
 *
 * @example
 * throw new AdminError('not_found', 'no approval apr_x (GET /api/v1/approvals lists them)');
 */
export const ADMIN_ERRORS = {
  bad_request: 400,
  operator_token_missing: 401,
  operator_token_invalid: 401,
  operator_token_expired: 401,
  operator_token_revoked: 401,
  role_insufficient: 403,
  approver_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  body_too_large: 413,
  internal_error: 500,
  not_implemented: 501,
  unavailable: 503,
} as const;

export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

export class AdminError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return ADMIN_ERRORS[this.code];
  }
}
