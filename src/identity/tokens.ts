/**
 * Issuing agent tokens: short-lived, signed statements of who is asking (tenant,
 * agent, session, human, labels). The verifier lives in token-verifier.ts and is
 * re-exported here so callers import both from one place.
 *
 * @example
 * const { token, principal } = await issueToken(await loadSigningKey(dir), {
 *   tenant: 'acme', agent: 'billing-bot', ttlMs: 15 * 60_000,
 * });
 * // HTTP_PROXY=http://sluice:${token}@127.0.0.1:8877
 */
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { formatDuration } from '../config/duration.js';
import { InvalidArgumentError } from './errors.js';
import { checkLabels, checkName, checkText } from './names.js';
import type { Principal } from './principal.js';
import { DEFAULT_TTL_MS, MAX_TTL_MS, MIN_TTL_MS, TOKEN_ALG, TOKEN_ISSUER, TOKEN_TYP } from './token-format.js';
import type { TokenClaims } from './token-format.js';

export { TokenVerifier } from './token-verifier.js';
export type { TokenVerifierOptions } from './token-verifier.js';
export { DEFAULT_TTL_MS, MAX_TTL_MS, TOKEN_TYP } from './token-format.js';

export interface IssueTokenRequest {
  tenant: string;
  agent: string;
  /** Default: a fresh random session id (`ses_` + 16 hex characters). */
  session?: string;
  human?: string | null;
  labels?: Readonly<Record<string, string>>;
  /** Lifetime in milliseconds; default 15 minutes, at most 24 hours, at least 1 second. */
  ttlMs?: number;
  policyVersion?: string | null;
  /** Issue time, epoch ms (default: now). For tests and for replaying a clock. */
  now?: number;
}

/**
 * Sign a token for `req` with `key` (Ed25519, from loadSigningKey). Throws
 * InvalidArgumentError (stable code SLUICE_INVALID_ARGUMENT) naming the field when a
 * name is malformed or the ttl is out of range.
 *
 * @example
 * const { token, principal } = await issueToken(key, { tenant: 'acme', agent: 'bot', labels: { team: 'ops' } });
 * principal.session; // 'ses_3f9c0a1b2c3d4e5f'
 */
export async function issueToken(key: KeyObject, req: IssueTokenRequest): Promise<{ token: string; principal: Principal }> {
  const tenant = checkName('tenant', req.tenant);
  const agent = checkName('agent', req.agent);
  const session = req.session === undefined ? newSessionId() : checkName('session', req.session);
  const human = req.human == null ? null : checkText('human', req.human);
  const policyVersion = req.policyVersion == null ? null : checkName('policyVersion', req.policyVersion);
  const labels = checkLabels(req.labels);
  const ttlMs = checkTtl(req.ttlMs ?? DEFAULT_TTL_MS);
  const now = req.now ?? Date.now();
  if (!Number.isFinite(now) || now < 0) throw new InvalidArgumentError('now', 'expected epoch milliseconds');

  const iat = Math.floor(now / 1000);
  const exp = iat + Math.ceil(ttlMs / 1000);
  const jti = randomBytes(16).toString('base64url');
  const claims: TokenClaims = { iss: TOKEN_ISSUER, sub: agent, tnt: tenant, sid: session, jti, iat, exp };
  if (human !== null) claims.hum = human;
  if (Object.keys(labels).length > 0) claims.lbl = { ...labels };
  if (policyVersion !== null) claims.pv = policyVersion;

  const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: TOKEN_ALG, typ: TOKEN_TYP }).sign(key);
  const principal: Principal = Object.freeze({
    tenant,
    agent,
    session,
    human,
    labels,
    tokenId: jti,
    issuedAt: iat * 1000,
    expiresAt: exp * 1000,
    policyVersion,
  });
  return { token, principal };
}

/**
 * A fresh session id: `ses_` and 16 hex characters (64 random bits).
 *
 * @example
 * newSessionId(); // 'ses_9a1c44e07b3d5f28'
 */
export function newSessionId(): string {
  return `ses_${randomBytes(8).toString('hex')}`;
}

function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs < MIN_TTL_MS) throw new InvalidArgumentError('ttl', `must be at least ${MIN_TTL_MS / 1000}s`);
  if (ttlMs > MAX_TTL_MS) {
    throw new InvalidArgumentError(
      'ttl',
      `${formatDuration(ttlMs)} is longer than the 24h maximum; issue a shorter-lived token and mint a new one when it expires`,
    );
  }
  return ttlMs;
}
