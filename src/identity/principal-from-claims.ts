/**
 * Turning a verified claims set into a Principal. The signature proves who wrote the
 * claims, not that they are well formed: every field is checked against the same
 * rules the issuer applies, so a key compromise or a buggy issuer cannot smuggle a
 * control character into an audit line or a 10 MB label into policy matching.
 */
import type { JWTPayload } from 'jose';
import { IdentityError } from './errors.js';
import { checkLabels, isName, isText } from './names.js';
import type { Principal } from './principal.js';
import { MAX_TTL_MS } from './token-format.js';

/**
 * The Principal the claims describe, or IdentityError('identity_invalid') naming the
 * claim (never its value).
 *
 * @example
 * principalFromClaims(payload); // { tenant: 'acme', agent: 'bot', ... }
 */
export function principalFromClaims(c: JWTPayload): Principal {
  const tenant = nameClaim(c, 'tnt');
  const agent = nameClaim(c, 'sub');
  const session = nameClaim(c, 'sid');
  const tokenId = nameClaim(c, 'jti');
  const human = c.hum === undefined ? null : isText(c.hum) ? c.hum : bad('hum');
  const policyVersion = c.pv === undefined ? null : isName(c.pv) ? c.pv : bad('pv');
  let labels: Readonly<Record<string, string>>;
  try {
    labels = checkLabels(c.lbl);
  } catch {
    return bad('lbl');
  }
  const iat = c.iat;
  const exp = c.exp;
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp) || iat === undefined || exp === undefined) return bad('iat/exp');
  if (exp <= iat || (exp - iat) * 1000 > MAX_TTL_MS) return bad('exp');
  return Object.freeze({ tenant, agent, session, human, labels, tokenId, issuedAt: iat * 1000, expiresAt: exp * 1000, policyVersion });
}

function nameClaim(c: JWTPayload, claim: string): string {
  const v = c[claim];
  return isName(v) ? v : bad(claim);
}

function bad(claim: string): never {
  throw new IdentityError('identity_invalid', `agent token has a missing or malformed "${claim}" claim`, { claim });
}
