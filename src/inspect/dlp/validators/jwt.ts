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
