import { Rejection } from '../errors-map.js';
import type { Exchange } from './exchange.js';

/**
 * What the gate's own state allows, after the policy has decided and before anything
 * is injected or sent: today the audit trail's health (`audit.fail_closed`: while it
 * is failing, a request that would carry a credential is refused); approvals, budgets
 * and rate limits belong here too. A step that may hold the exchange (an approval)
 * awaits before calling `next`.
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
  return next();
}
