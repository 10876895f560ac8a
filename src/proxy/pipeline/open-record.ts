import { openRecord as putOnRecord } from '../audit-open.js';
import type { Exchange } from './exchange.js';

/**
 * The decision on record (the audit journal) before anything leaves the gate; with
 * `audit.fail_closed: all`, refused when it could not be (audit-open.ts). When the
 * journal wrote it at once, the list goes on in the same turn.
 */
export function openRecord(x: Exchange, next: () => Promise<void>): Promise<void> {
  const put = putOnRecord(x.gate, x.state, x);
  return put === undefined ? next() : put.then(next);
}
