/**
 * Operator tokens: a JWT (EdDSA, `operator-key.pem`) naming the operator (`sub`), the
 * role, an id (`jti`, `opr_…`) and an expiry. The admin listener verifies the
 * signature, issuer, audience and expiry, then asks the revocation store: tokens are
 * revoked there (kind `token` by id, kind `agent` by operator name) under the reserved
 * tenant `sluice:operators`, so a revocation reaches every gate on the shared state
 * as an agent's does. The token itself is never logged, recorded or echoed.
 *
 * @example
 * const { token } = await mintOperatorToken(key, { name: 'alice', role: 'approver', ttlMs: 86_400_000 });
 * const op = await verifyOperatorToken(createPublicKey(key), token, { maxTtlMs: 30 * 86_400_000 });
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { isName, NAME_RULE } from '../identity/names.js';
import type { Principal } from '../identity/principal.js';
import { isRole, type Role } from './roles.js';

export const OPERATOR_ISSUER = 'sluice-operator';
export const OPERATOR_AUDIENCE = 'sluice-admin';
/** The tenant operator revocations are recorded under (no agent token is minted for it: see design notes). */
export const OPERATOR_TENANT = 'sluice:operators';

export interface OperatorIdentity {
  readonly name: string;
  readonly role: Role;
  readonly tokenId: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** Why a token was refused, as a stable code (the admin audit record's reason). */
export class OperatorTokenError extends Error {
  constructor(
    readonly code: 'operator_token_missing' | 'operator_token_invalid' | 'operator_token_expired' | 'operator_token_revoked',
    message: string,
  ) {
    super(message);
  }
}

export async function mintOperatorToken(
  key: KeyObject,
  o: { name: string; role: Role; ttlMs: number; now?: number },
): Promise<{ token: string; identity: OperatorIdentity }> {
  if (!isName(o.name)) throw new RangeError(`operator name: ${NAME_RULE}`);
  if (!isRole(o.role)) throw new RangeError('role: expected admin, approver or auditor');
  if (!(o.ttlMs >= 1000)) throw new RangeError('ttl: expected at least 1s');
  const now = o.now ?? Date.now();
  const iat = Math.floor(now / 1000);
  const exp = iat + Math.floor(o.ttlMs / 1000);
  const jti = `opr_${randomBytes(16).toString('base64url')}`;
  const token = await new SignJWT({ role: o.role })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setIssuer(OPERATOR_ISSUER)
    .setAudience(OPERATOR_AUDIENCE)
    .setSubject(o.name)
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key);
  return { token, identity: { name: o.name, role: o.role, tokenId: jti, issuedAt: iat * 1000, expiresAt: exp * 1000 } };
}

/**
 * The operator a bearer token names, or OperatorTokenError. `maxTtlMs` refuses tokens
 * minted to live longer than the config allows now (a lowered limit applies at once).
 */
export async function verifyOperatorToken(pub: KeyObject, token: string, opts: { maxTtlMs: number }): Promise<OperatorIdentity> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, pub, { algorithms: ['EdDSA'], issuer: OPERATOR_ISSUER, audience: OPERATOR_AUDIENCE, clockTolerance: 1 }));
  } catch (err) {
    if (err instanceof errors.JWTExpired)
      throw new OperatorTokenError('operator_token_expired', 'the operator token expired; mint a new one (sluice operator token)');
    throw new OperatorTokenError('operator_token_invalid', 'the operator token is not valid for this gate (bad signature, issuer or audience)');
  }
  const { sub, jti, iat, exp, role } = payload;
  if (!isName(sub) || typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number' || !isRole(role))
    throw new OperatorTokenError('operator_token_invalid', 'the operator token lacks a name, id, role or lifetime');
  if ((exp - iat) * 1000 > opts.maxTtlMs)
    throw new OperatorTokenError('operator_token_invalid', 'the operator token lives longer than admin.max_token_ttl allows; mint a shorter one');
  return { name: sub, role, tokenId: jti, issuedAt: iat * 1000, expiresAt: exp * 1000 };
}

/** The principal the revocation store matches an operator token as (tenant OPERATOR_TENANT, agent = name, token = jti). */
export function operatorPrincipal(o: OperatorIdentity): Principal {
  return {
    tenant: OPERATOR_TENANT,
    agent: o.name,
    session: o.tokenId,
    human: o.name,
    labels: {},
    tokenId: o.tokenId,
    issuedAt: o.issuedAt,
    expiresAt: o.expiresAt,
    policyVersion: null,
  };
}
