import { classifyTarget } from '../classify-target.js';
import type { Exchange } from './exchange.js';

/** Host, port, scheme and path from the request target (and the tunnel it arrived in). */
export function classify(x: Exchange, next: () => Promise<void>): Promise<void> {
  classifyTarget(x);
  return next();
}
