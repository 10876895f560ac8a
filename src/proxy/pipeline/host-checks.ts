import { checkBeforePolicy } from '../pre-policy.js';
import type { Exchange } from './exchange.js';

/**
 * What the host alone decides, before the policy: hostname DLP, SSRF for IP literals
 * and loopback names (pre-policy.ts, shared with `sluice explain`).
 */
export function hostChecks(x: Exchange, next: () => Promise<void>): Promise<void> {
  const vetted = checkBeforePolicy(x.state, x);
  if (vetted !== null) x.address = vetted;
  return next();
}
