import { writeRecord } from '../audit-record.js';
import { releaseExchange, type Exchange } from './exchange.js';

/**
 * HTTP: one audit record per exchange, written when the response closes (finished,
 * refused, cut, or left by the agent), whatever the steps after this one did.
 */
export function recordOnClose(x: Exchange, next: () => Promise<void>): Promise<void> {
  x.res.once('close', () => {
    writeRecord(x.gate, x);
    releaseExchange(x);
  });
  return next();
}
