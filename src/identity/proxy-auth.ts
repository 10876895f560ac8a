/**
 * Reading the agent token from `Proxy-Authorization`. Clients configured with
 * `http://sluice:<token>@host:port` send `Basic base64("sluice:<token>")`; others may
 * send `Bearer <token>`. Parsing only: no verification, no HTTP types.
 *
 * @example
 * const auth = readProxyAuthorization(req.headers['proxy-authorization']);
 * if (auth === null) return deny407('identity_required');
 * const principal = await verifier.verify(auth.token);
 * checkBinding(auth.user, principal);
 */
import { IdentityError } from './errors.js';
import type { Principal } from './principal.js';
import { MAX_TOKEN_LENGTH } from './token-format.js';

/** The Basic user name that means "no session binding beyond the token's own". */
export const PROXY_USER = 'sluice';

const MAX_HEADER_LENGTH = MAX_TOKEN_LENGTH * 2;
/** RFC 7235 token68 (what a Bearer credential may be). */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Standard base64, padding optional (some clients drop it). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/**
 * The token (and the Basic user name, null for Bearer) from a Proxy-Authorization
 * value; null when absent, another scheme, malformed base64, no colon, or an empty
 * token. Scheme names are case-insensitive (RFC 9110 §11.1).
 *
 * @example
 * readProxyAuthorization('Basic ' + btoa('sluice:eyJ...')); // { token: 'eyJ...', user: 'sluice' }
 * readProxyAuthorization('Bearer eyJ...');                  // { token: 'eyJ...', user: null }
 * readProxyAuthorization('Digest username="x"');            // null
 */
export function readProxyAuthorization(header: string | undefined): { token: string; user: string | null } | null {
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return null;
  const m = /^[ \t]*([A-Za-z]+)[ \t]+(\S+)[ \t]*$/.exec(header);
  if (m === null) return null;
  const scheme = (m[1] ?? '').toLowerCase();
  const credentials = m[2] ?? '';
  if (scheme === 'bearer') return TOKEN68.test(credentials) ? { token: credentials, user: null } : null;
  if (scheme !== 'basic' || !BASE64.test(credentials)) return null;
  const decoded = decodeUtf8(Buffer.from(credentials, 'base64'));
  if (decoded === null) return null;
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  const user = decoded.slice(0, colon);
  const token = decoded.slice(colon + 1);
  // Printable ASCII only: a JWT never has anything else, and it keeps control bytes out of every later step.
  if (!/^[!-~]+$/.test(token)) return null;
  return { token, user };
}

/**
 * Refuse a token presented under someone else's session: the Basic user name must be
 * `sluice` or the token's own session id. `user` null (Bearer) binds nothing more.
 * Throws IdentityError('identity_invalid'); the message never echoes the user name
 * (a client may have put the token there).
 *
 * @example
 * checkBinding('sluice', principal);            // ok
 * checkBinding(principal.session, principal);   // ok
 * checkBinding('ses_someoneelse', principal);   // throws identity_invalid
 */
export function checkBinding(user: string | null, principal: Principal): void {
  if (user === null || user === PROXY_USER || user === principal.session) return;
  throw new IdentityError('identity_invalid', `proxy user name must be '${PROXY_USER}' or the token's session id`);
}

function decodeUtf8(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
