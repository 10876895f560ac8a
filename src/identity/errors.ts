import type { Principal } from './principal.js';
/**
 * Why a request's identity was refused. The `reason` is what the gate puts in the
 * deny body (`"error": "identity_invalid"`) and the audit record; the message is
 * for a person and never contains the token, a part of it, or a key.
 *
 * @example
 * throw new IdentityError('identity_expired', 'agent token expired at 2025-01-01T00:00:00.000Z');
 */
import { ErrorCode, SluiceError } from '../errors.js';
import { REFUSALS } from '../refusals.js';

/** Stable reason codes for identity failures; never renamed once published. */
export type IdentityReason = 'identity_required' | 'identity_invalid' | 'identity_expired' | 'identity_revoked' | 'gate_killed' | 'quarantined';

/**
 * A request whose identity cannot be accepted; its status is the refusal table's
 * (407 to ask for credentials again, 403 for a revocation).
 *
 * @example
 * try { await verifier.verify(token); }
 * catch (err) { if (err instanceof IdentityError) deny(err.reason, err.message); }
 */
export class IdentityError extends SluiceError {
  readonly reason: IdentityReason;
  /** Set when the token verified but is refused (revoked): whose it was, for the audit trail. */
  principal: Principal | undefined;
  constructor(reason: IdentityReason, message: string, details: Record<string, unknown> = {}) {
    super(REFUSALS[reason].sluice, message, { reason, ...details });
    this.reason = reason;
  }
}

/**
 * A caller-supplied value that breaks a documented rule (a bad agent id, a ttl over
 * 24h, a malformed label). The CLI reports it as a usage error.
 *
 * @example
 * throw new InvalidArgumentError('agent', "expected 1-128 of A-Z a-z 0-9 . _ : @ -");
 */
export class InvalidArgumentError extends SluiceError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(ErrorCode.INVALID_ARGUMENT, `${field}: ${message}`, { field });
    this.field = field;
  }
}
