/**
 * Credential errors. Every message names a secret by its reference (store name,
 * `env:NAME`, `file:PATH`) or a placeholder token, never by its value; `details`
 * follow the same rule, because errors end up in logs and deny bodies.
 *
 * @example
 * throw new CredentialError('credential_unavailable', "secret 'github' is not set", { ref: 'github' });
 */
import { SluiceError } from '../errors.js';
import type { ErrorCode } from '../errors.js';

/** Reason codes, in the deny body's snake_case (`error` field) vocabulary. */
export type CredentialReason =
  | 'credential_unavailable'
  | 'credential_invalid'
  | 'credential_store_invalid'
  | 'credential_store_busy'
  | 'credential_store_conflict'
  | 'master_key_invalid'
  | 'master_key_missing'
  | 'placeholder_not_allowed'
  | 'token_endpoint_failed'
  | 'request_not_signable';

/**
 * Stable `SLUICE_*` codes for each reason. They are not (yet) in src/errors.ts's
 * ErrorCode table, which this folder does not own; hence the cast below.
 */
export const CredentialErrorCode: Readonly<Record<CredentialReason, string>> = {
  credential_unavailable: 'SLUICE_CREDENTIAL_UNAVAILABLE',
  credential_invalid: 'SLUICE_CREDENTIAL_INVALID',
  credential_store_invalid: 'SLUICE_CREDENTIAL_STORE_INVALID',
  credential_store_busy: 'SLUICE_CREDENTIAL_STORE_BUSY',
  credential_store_conflict: 'SLUICE_CREDENTIAL_STORE_CONFLICT',
  master_key_invalid: 'SLUICE_MASTER_KEY_INVALID',
  master_key_missing: 'SLUICE_MASTER_KEY_MISSING',
  placeholder_not_allowed: 'SLUICE_PLACEHOLDER_NOT_ALLOWED',
  token_endpoint_failed: 'SLUICE_TOKEN_ENDPOINT_FAILED',
  request_not_signable: 'SLUICE_REQUEST_NOT_SIGNABLE',
};

/** A credential that cannot be used: missing, malformed, undecryptable, or a placeholder out of place. */
export class CredentialError extends SluiceError {
  readonly reason: CredentialReason;
  constructor(reason: CredentialReason, message: string, details: Record<string, unknown> = {}) {
    super(CredentialErrorCode[reason] as ErrorCode, message, { ...details, reason });
    this.reason = reason;
  }
}
