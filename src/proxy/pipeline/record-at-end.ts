import { writeRecord } from '../audit-record.js';
import { releaseExchange, type Exchange } from './exchange.js';
import { settleBudgets } from '../budgets.js';

/**
 * WebSocket sessions and passthrough tunnels: one audit record, written when the rest
 * of the list has run (the relay or splice resolves when the session ends). An
 * intercepted CONNECT writes none: each request inside the tunnel has its own.
 */
export async function recordAtEnd(x: Exchange, next: () => Promise<void>): Promise<void> {
  try {
    await next();
  } finally {
    settleBudgets(x);
    if (!x.handedOff) writeRecord(x.gate, x);
    else if (x.trace) x.trace.end(null);
    releaseExchange(x);
  }
}
