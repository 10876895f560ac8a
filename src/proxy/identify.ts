import type { IncomingMessage } from 'node:http';
import { authenticateNow } from '../identity/authenticate.js';
import { IdentityError } from '../identity/errors.js';
import { readProxyAuthorization } from '../identity/proxy-auth.js';
import { isRunAlias } from '../identity/run-aliases.js';
import type { Principal } from '../identity/principal.js';
import type { GateServices, GateState } from './gate-runtime.js';
import type { TunnelContext } from './tunnel-context.js';

/**
 * Identify + admit: who is asking, and may they still ask. A plain proxy request
 * carries its token on every request; a request inside a tunnel inherits the
 * identity its CONNECT proved, re-checked here for expiry and revocation so a
 * long-lived tunnel cannot outlive its token.
 *
 * Returns null only when the operator turned `identity.required` off and no token
 * was sent (anonymous requests then match only rules without who-matchers). At once
 * (a refusal thrown) unless a token must be verified: then a promise.
 */
export function identify(
  gate: GateServices,
  state: GateState,
  req: IncomingMessage,
  tunnel: TunnelContext | undefined,
): Principal | null | Promise<Principal | null> {
  const id = gate.identity;
  const required = state.identityRequired;
  if (tunnel) {
    // A run's tunnel follows its renewals (same session: RunAliases.rebind allows no other).
    const p = (tunnel.alias !== undefined ? id.aliases?.resolve(tunnel.alias) : undefined) ?? tunnel.principal;
    if (p === null) return null;
    admitAgain(gate, p);
    return p;
  }
  const header = req.headers['proxy-authorization'];
  if (header === undefined && !required) return null;
  return authenticateNow(header, id.verifier, id.revocations, Date.now(), id.aliases);
}

/** The run alias a `Proxy-Authorization` value carries, if it carries one (the tunnel keeps it). */
export function aliasIn(req: IncomingMessage): string | undefined {
  const auth = readProxyAuthorization(req.headers['proxy-authorization']);
  return auth !== null && isRunAlias(auth.token) ? auth.token : undefined;
}

// Same skew the verifier allows on a new request (gate.ts), so a tunnel and a fresh
// request agree on when a token has expired.
const CLOCK_TOLERANCE_MS = 1000;

function admitAgain(gate: GateServices, p: Principal): void {
  if (p.expiresAt + CLOCK_TOLERANCE_MS <= Date.now()) {
    throw new IdentityError('identity_expired', 'the agent token expired; reconnect with a fresh token');
  }
  const revoked = gate.identity.revocations.isRevoked(p);
  if (revoked !== null) {
    const err = new IdentityError('identity_revoked', `agent token refused: its ${revoked.kind} was revoked at ${new Date(revoked.revokedAt).toISOString()}`);
    err.principal = p;
    throw err;
  }
}
