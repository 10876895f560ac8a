import { writeRecord } from '../audit-record.js';
import { aliasIn } from '../identify.js';
import type { Exchange } from './exchange.js';
import { stoppedBy } from './stop.js';

/**
 * CONNECT: the tunnel keeps the identity its CONNECT proved, and must not outlive it:
 * at expiry (plus the clock tolerance) or revocation it is cut, whatever runs inside
 * (passthrough bytes, a WebSocket, idle keep-alive), after the exchanges inside it
 * have been ended for the same reason. So is it when the operator's kill switch or a
 * quarantine of its destination stops it (LiveExchanges.sweep).
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
        // An intercepted tunnel has no record of its own (each request inside has one),
        // but one cut by the operator's stop (kill, quarantine) while idle would leave no
        // trace of the cut: it gets one, naming the stop.
        if (x.handedOff && x.stoppedBy !== undefined) writeRecord(x.gate, x);
      },
    });
    if (socket.destroyed) release();
    else socket.on('close', release);
  }
  return next();
}
