import { writeRecord } from '../audit-record.js';
import { markClientAbort } from '../client-abort.js';
import { settleBudgets } from '../budgets.js';
import { releaseExchange, type Exchange } from './exchange.js';

/**
 * HTTP: one audit record per exchange, written when the response closes (finished,
 * refused, cut, or left by the agent), whatever the steps after this one did.
 */
export function recordOnClose(x: Exchange, next: () => Promise<void>): Promise<void> {
  // First in the list, so ahead of every 'close' listener a later step adds (the
  // response driver's among them): a response that closed unfinished with no cause the
  // gate recorded was ended by the agent.
  x.res.once('close', () => {
    markClientAbort(x);
    settleBudgets(x);
    writeRecord(x.gate, x);
    releaseExchange(x);
  });
  return next();
}
