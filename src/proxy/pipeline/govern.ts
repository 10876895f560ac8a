import { Rejection } from '../errors-map.js';
import { checkRateLimits } from '../rate-limits.js';
import { chargeCall, checkBudgets } from '../budgets.js';
import type { Exchange } from './exchange.js';

/**
 * What the gate's own state allows, after the policy has decided and before anything
 * is injected or sent: the audit trail's health (`audit.fail_closed`: while it is
 * failing, a request that would carry a credential is refused), then the rate limits
 * (the deciding rule's `rate_limit:`, the gate-wide `rate_limits:`; 429 `rate_limited`
 * with `Retry-After`), and the budgets (`budgets:`, proxy/budgets.ts: 429
 * `budget_exhausted` or `budget_paused`). A request refused for the audit trail spends
 * no token. Approvals belong here too; a step that may hold the exchange (an
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
  if (d !== undefined) {
    // Budgets first, charging nothing: a request a budget refuses spends no rate token, and one the rate limits refuse no budget.
    checkBudgets(x, d.rule);
    // The in-memory (and SQLite) buckets answer at once; only a network store's answer is awaited.
    const limited = checkRateLimits(x.state.rateLimits, x.gate.rates, d.rule, x);
    if (limited !== undefined) return limited.then(() => charged(x, d.rule, next));
    return charged(x, d.rule, next);
  }
  return next();
}

/** Past the rate limits: count the call in its budgets, then on. */
function charged(x: Exchange, rule: string, next: () => Promise<void>): Promise<void> {
  chargeCall(x, rule);
  // An LLM call's usage is read from its response as it passes: ask for it unencoded.
  if (x.budget?.llm && x.up) x.up.headers['accept-encoding'] = 'identity';
  return next();
}
