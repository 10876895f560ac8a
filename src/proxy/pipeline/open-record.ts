import { openRecord as putOnRecord } from '../audit-open.js';
import type { Exchange } from './exchange.js';

/**
 * The decision on record (the audit journal) before anything leaves the gate; with
 * `audit.fail_closed: all`, refused when it could not be (audit-open.ts).
 */
export async function openRecord(x: Exchange, next: () => Promise<void>): Promise<void> {
  await putOnRecord(x.gate, x.state, x);
  return next();
}
