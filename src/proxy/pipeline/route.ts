import { resolveDestination, type Destination } from '../destination.js';
import type { Exchange } from './exchange.js';

/**
 * Where the request goes: the vetted address of the host it names (resolved once,
 * every address classified), or the rule's named private route; with the keep-alive
 * pool that reaches exactly that address. A passthrough tunnel goes to its host.
 * Without a DNS lookup to wait for, the list goes on in the same turn.
 */
export function route(x: Exchange, next: () => Promise<void>): Promise<void> {
  const d = resolveDestination(x.state, x, x.transport === 'tunnel' ? null : (x.decision?.route ?? null));
  return d instanceof Promise ? d.then((dest) => routed(x, dest, next)) : routed(x, d, next);
}

function routed(x: Exchange, d: Destination, next: () => Promise<void>): Promise<void> {
  // The keep-alive pool only for requests the gate forwards itself (a WebSocket or a tunnel dials its own socket).
  if (x.carrier === null) d.pool = x.gate.pools.get(d.scheme, d.address, d.family, d.port, d.servername, d.route);
  x.dest = d;
  return next();
}
