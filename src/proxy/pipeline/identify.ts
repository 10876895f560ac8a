import { identify as whoIsAsking } from '../identify.js';
import type { Exchange } from './exchange.js';

/**
 * Who is asking, and may they still ask: the token on the request (or the CONNECT),
 * or the identity the tunnel it arrived in proved, re-checked for expiry and revocation.
 */
export async function identify(x: Exchange, next: () => Promise<void>): Promise<void> {
  x.principal = await whoIsAsking(x.gate, x.state, x.req, x.tunnel);
  return next();
}
