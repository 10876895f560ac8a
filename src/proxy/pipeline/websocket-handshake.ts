import { checkHandshake } from '../websocket/handshake.js';
import type { Exchange } from './exchange.js';

/** The agent's WebSocket handshake must be one a server would accept (its key is kept for the answer). */
export function websocketHandshake(x: Exchange, next: () => Promise<void>): Promise<void> {
  x.carrier!.wsKey = checkHandshake(x.req);
  return next();
}
