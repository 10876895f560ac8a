import { Rejection } from '../errors-map.js';
import { checkRateLimits } from '../rate-limits.js';
import type { Exchange } from './exchange.js';

/**
 * What the gate's own state allows, after the policy has decided and before anything
 * is injected or sent: the audit trail's health (`audit.fail_closed`: while it is
 * failing, a request that would carry a credential is refused), then the rate limits
 * (the deciding rule's `rate_limit:`, the gate-wide `rate_limits:`; 429 `rate_limited`
 * with `Retry-After`). A request refused for the audit trail spends no token.
 * Approvals and budgets belong here too; a step that may hold the exchange (an
 * approval) awaits before calling `next`.
 */
export function govern(x: Exchange, next: () => Promise<void>): Promise<void> {
  const d = x.decision;
  if (d?.credential && x.state.auditFailClosed !== 'off' && !x.gate.auditHealthy()) {
    throw new Rejection(
      'audit_unavailable',
      'the audit trail is failing, and requests that carry a credential are refused until it recovers (audit.fail_closed)',
      d.rule,
    );
  }
  if (d !== undefined) checkRateLimits(x.state.rateLimits, x.gate.rates, d.rule, x);
  return next();
}
