/**
 * The identify + admit steps for one request, in the order that matters: parse the
 * header, verify the token (cache first), check the session binding, then ask the
 * revocation snapshot. Every failure is an IdentityError with a stable reason.
 *
 * @example
 * const principal = await authenticate(req.headers['proxy-authorization'], verifier, revocations);
 */
import { IdentityError } from './errors.js';
import type { Principal } from './principal.js';
import { checkBinding } from './proxy-auth.js';
import { ProxyAuthCache } from './proxy-auth-cache.js';
import { isRunAlias } from './run-aliases.js';
import type { TokenVerifier } from './token-verifier.js';

// The parse is pure, so one cache serves the process; verification is never cached here.
const parsedHeaders = new ProxyAuthCache();

/** What authenticate needs from a revocation store (state/ RevocationStore satisfies it). */
export interface RevocationCheck {
  isRevoked(p: Principal): { kind: string; revokedAt: number } | null;
}

/** What authenticate needs to resolve a `sluice run` alias (run-aliases.ts RunAliases satisfies it). */
export interface AliasLookup {
  resolve(alias: string): Principal | null;
}

// Same skew the verifier allows (gate.ts CLOCK_TOLERANCE_SEC).
const CLOCK_TOLERANCE_MS = 1000;

/**
 * The Principal for a `Proxy-Authorization` value, or IdentityError:
 * `identity_required` (no header), `identity_invalid` (unreadable header, bad token,
 * wrong session binding), `identity_expired`, `identity_revoked`.
 * A revocation store that cannot answer throws its own error: the caller denies.
 *
 * @example
 * try { ctx.principal = await authenticate(header, verifier, store); }
 * catch (err) { if (err instanceof IdentityError) return deny(err.reason === 'identity_required' ? 407 : 403, err); throw err; }
 */
export async function authenticate(
  header: string | undefined,
  verifier: TokenVerifier,
  revocations: RevocationCheck,
  now: number = Date.now(),
  aliases?: AliasLookup,
): Promise<Principal> {
  return authenticateNow(header, verifier, revocations, now, aliases);
}

/**
 * As `authenticate`, at once when the token's verification is cached (or it is a run
 * alias): the same checks and errors, thrown; a promise only when the token must be
 * verified. The request path calls this, so a known agent costs no turn of the event loop.
 *
 * @example
 * const p = authenticateNow(header, verifier, store); // Principal, or a Promise of one
 */
export function authenticateNow(
  header: string | undefined,
  verifier: TokenVerifier,
  revocations: RevocationCheck,
  now: number = Date.now(),
  aliases?: AliasLookup,
): Principal | Promise<Principal> {
  if (header === undefined || header.trim() === '') {
    throw new IdentityError('identity_required', 'no agent token: send Proxy-Authorization (proxy URL http://sluice:<token>@host:port)');
  }
  const auth = parsedHeaders.read(header);
  if (auth === null) throw new IdentityError('identity_invalid', 'Proxy-Authorization is not Basic (sluice:<token>) or Bearer <token>');
  if (isRunAlias(auth.token)) return admit(auth.user, aliasPrincipal(auth.token, aliases, now), revocations);
  const cached = verifier.verifyCached(auth.token, now);
  if (cached !== undefined) return admit(auth.user, cached, revocations);
  return verifier.verify(auth.token, now).then((p) => admit(auth.user, p, revocations));
}

/** The session binding and the revocation snapshot, for a verified principal. */
function admit(user: string | null, principal: Principal, revocations: RevocationCheck): Principal {
  checkBinding(user, principal);
  const revoked = revocations.isRevoked(principal);
  if (revoked !== null) {
    const err = new IdentityError('identity_revoked', `agent token refused: its ${revoked.kind} was revoked at ${new Date(revoked.revokedAt).toISOString()}`, {
      kind: revoked.kind,
    });
    err.principal = principal;
    throw err;
  }
  return principal;
}

/** The current principal of a run alias; its token's expiry applies as if the token itself were sent. */
function aliasPrincipal(alias: string, aliases: AliasLookup | undefined, now: number): Principal {
  const p = aliases?.resolve(alias) ?? null;
  if (p === null)
    throw new IdentityError(
      'identity_invalid',
      "unknown run credential: the 'sluice run' that issued it has ended, or the gate restarted and it has not renewed yet",
    );
  if (p.expiresAt + CLOCK_TOLERANCE_MS <= now) {
    const err = new IdentityError('identity_expired', `the run's agent token expired at ${new Date(p.expiresAt).toISOString()} and was not renewed`);
    err.principal = p;
    throw err;
  }
  return p;
}
