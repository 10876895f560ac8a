import { aliasIn } from '../identify.js';
import type { Exchange } from './exchange.js';
import { stoppedBy } from './stop.js';

/**
 * CONNECT: the tunnel keeps the identity its CONNECT proved, and must not outlive it:
 * at expiry (plus the clock tolerance) or revocation it is cut, whatever runs inside
 * (passthrough bytes, a WebSocket, idle keep-alive), after the exchanges inside it
 * have been ended for the same reason.
 */
export function holdTunnel(x: Exchange, next: () => Promise<void>): Promise<void> {
  const carrier = x.carrier!;
  const socket = carrier.socket;
  const principal = x.principal;
  if (principal) x.gate.limits?.attribute(socket, principal);
  const alias = principal ? aliasIn(x.req) : undefined;
  x.tunnelMade = {
    id: x.decisionId,
    host: x.host!,
    hostText: x.hostText,
    port: x.port,
    clientSocket: socket,
    principal,
    ...(carrier.leafName !== undefined ? { leafName: carrier.leafName } : {}),
    ...(alias !== undefined ? { alias } : {}),
  };
  if (principal) {
    const release = x.gate.exchanges.hold(principal, {
      carrier: true,
      dest: x,
      end: (why) => {
        x.outcome = 'deny';
        x.reason = why.reason;
        x.error = why.reason;
        x.stoppedBy = stoppedBy(why);
        socket.destroy();
      },
    });
    if (socket.destroyed) release();
    else socket.once('close', release);
  }
  return next();
}
