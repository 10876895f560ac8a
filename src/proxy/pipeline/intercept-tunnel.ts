import { intercept } from '../intercept.js';
import { forgetCarrierRequest, type Exchange } from './exchange.js';

/**
 * CONNECT is intercepted by default: TLS is terminated and every request inside goes
 * through the HTTP list with its own decision and record. Only hosts on
 * `tls.passthrough` go on down this list, to be decided by host and spliced.
 */
export function interceptTunnel(x: Exchange, next: () => Promise<void>): Promise<void> {
  if (x.state.passthrough(x.hostText)) return next();
  const carrier = x.carrier!;
  x.handedOff = true;
  carrier.socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  intercept(x.gate, carrier.server!, carrier.socket, carrier.head, x.tunnelMade!);
  forgetCarrierRequest(x);
  return Promise.resolve();
}
