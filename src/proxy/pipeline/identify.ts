import { identify as whoIsAsking } from '../identify.js';
import type { Principal } from '../../identity/principal.js';
import type { Exchange } from './exchange.js';

/**
 * Who is asking, and may they still ask: the token on the request (or the CONNECT),
 * or the identity the tunnel it arrived in proved, re-checked for expiry and revocation.
 * A token whose verification is cached is answered in the same turn (no promise).
 */
export function identify(x: Exchange, next: () => Promise<void>): Promise<void> {
  const who = whoIsAsking(x.gate, x.state, x.req, x.tunnel);
  return who instanceof Promise ? who.then((p) => identified(x, p, next)) : identified(x, who, next);
}

function identified(x: Exchange, p: Principal | null, next: () => Promise<void>): Promise<void> {
  x.principal = p;
  return next();
}
