/**
 * A JWT's header must decode to a JSON object carrying `alg`; that separates tokens
 * from other `eyJ...` base64 and from prose.
 *
 * @example
 * jwtHeaderAlg('eyJhbGciOiJIUzI1NiJ9.e30.sig') // 'HS256'
 */
export function jwtHeaderAlg(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot < 4 || dot > 2048) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (header === null || typeof header !== 'object') return undefined;
  const alg = (header as Record<string, unknown>)['alg'];
  return typeof alg === 'string' ? alg : undefined;
}

/** A day: a token counts as expired only this long after its `exp`, so clock skew never lets a live one through. */
const EXPIRY_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * True when the JWT's payload carries a numeric `exp` more than a day in the past: a
 * token no server accepts any more, as documentation and changelogs print them (a
 * sample from a tutorial's tenant, expired years ago). Such a token is no credential
 * to stop; one with no `exp`, or one not yet expired, still is.
 *
 * @example
 * jwtExpired('eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE1NzIwMDY5NjR9.sig') // true (exp in 2019)
 */
export function jwtExpired(token: string, now = Date.now()): boolean {
  const parts = token.split('.');
  const body = parts[1];
  if (body === undefined || body.length > 8192) return false;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  if (payload === null || typeof payload !== 'object') return false;
  const exp = (payload as Record<string, unknown>)['exp'];
  return typeof exp === 'number' && Number.isFinite(exp) && exp * 1000 < now - EXPIRY_GRACE_MS;
}
