import { Rejection } from '../errors-map.js';
import { isWebSocketUpgrade } from '../websocket/handshake.js';
import type { Exchange } from './exchange.js';

/** Of protocol upgrades, only WebSocket is proxied; anything else is refused before it is identified. */
export function websocketOnly(x: Exchange, next: () => Promise<void>): Promise<void> {
  if (!isWebSocketUpgrade(x.req)) {
    throw new Rejection('unsupported', `protocol upgrade "${String(x.req.headers.upgrade)}" is not proxied; only WebSocket is`);
  }
  return next();
}
