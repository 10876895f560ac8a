/**
 * Who is calling the admin API: the bearer token, verified (signature, issuer,
 * audience, expiry, admin.max_token_ttl), then checked against the revocation store,
 * then the route's role. Throws AdminError with the precise code; never echoes the token.
 *
 * @example
 * const op = await authenticate(req.headers.authorization, { pub, revocations, maxTtlMs });
 * authorize(op, 'approver');
 */
import type { KeyObject } from 'node:crypto';
import type { RevocationStore } from '../state/revocations.js';
import { AdminError } from './admin-errors.js';
import { operatorPrincipal, OperatorTokenError, verifyOperatorToken, type OperatorIdentity } from './operator-token.js';
import { roleAllows, type Role } from './roles.js';

/** A token is a few hundred bytes; anything far over is not one (and is not verified). */
const MAX_TOKEN_CHARS = 4096;

export async function authenticate(
  header: string | undefined,
  opts: { pub: KeyObject; revocations: RevocationStore; maxTtlMs: number },
): Promise<OperatorIdentity> {
  if (header === undefined || header === '')
    throw new AdminError('operator_token_missing', "no operator token: send 'Authorization: Bearer TOKEN' (sluice operator token)");
  const m = /^Bearer +(\S+)\s*$/i.exec(header);
  if (m === null) throw new AdminError('operator_token_invalid', "expected 'Authorization: Bearer TOKEN'");
  const token = m[1]!;
  if (token.length > MAX_TOKEN_CHARS) throw new AdminError('operator_token_invalid', 'the operator token is too long to be one');
  let op: OperatorIdentity;
  try {
    op = await verifyOperatorToken(opts.pub, token, { maxTtlMs: opts.maxTtlMs });
  } catch (err) {
    if (err instanceof OperatorTokenError) throw new AdminError(err.code, err.message);
    throw err;
  }
  let revoked;
  try {
    revoked = opts.revocations.isRevoked(operatorPrincipal(op));
  } catch {
    throw new AdminError('unavailable', 'the revocation state cannot be read; refusing operator tokens until it can (fail closed)');
  }
  if (revoked !== null)
    throw new AdminError(
      'operator_token_revoked',
      `the operator token was revoked at ${new Date(revoked.revokedAt).toISOString()} (${revoked.kind === 'token' ? 'this token' : `every token of ${op.name}`})`,
    );
  return op;
}

export function authorize(op: OperatorIdentity, need: Role): void {
  if (!roleAllows(op.role, need)) throw new AdminError('role_insufficient', `this call needs the ${need} role; ${op.name}'s token has ${op.role}`);
}
