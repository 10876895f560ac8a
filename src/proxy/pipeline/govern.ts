import { Rejection } from '../errors-map.js';
import { checkRateLimits } from '../rate-limits.js';
import { refundCall, takeBudgets } from '../budgets.js';
import { stateDown } from '../state-down.js';
import type { Exchange } from './exchange.js';

/**
 * What the gate's own state allows, after the policy has decided and before anything
 * is injected or sent: the audit trail's health (`audit.fail_closed`: while it is
 * failing, a request that would carry a credential is refused), then the rate limits
 * (the deciding rule's `rate_limit:`, the gate-wide `rate_limits:`; 429 `rate_limited`
 * with `Retry-After`), and the budgets (`budgets:`, proxy/budgets.ts: 429
 * `budget_exhausted` or `budget_paused`). A request refused for the audit trail spends
 * no token. With a shared state backend the budgets and the rate limits are asked of
 * Redis (the step then awaits them); Redis unreachable refuses 503 `state_unavailable`
 * or, with `state.redis_down: allow`, lets the request through marked (state-down.ts).
 * Approvals belong here too; a step that may hold the exchange (an approval) awaits
 * before calling `next`.
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
    // Budgets first, checked and charged in one step: a request a budget refuses spends no
    // rate token; one the rate limits refuse has its call taken back (refundCall).
    let took: void | Promise<void> = undefined;
    try {
      took = takeBudgets(x, d.rule);
    } catch (err) {
      stateDown(x, err, d.rule);
    }
    // Only a shared store (Redis) answers with a Promise; the SQLite ledger's path stays synchronous.
    if (took instanceof Promise) return took.catch((err: unknown) => stateDown(x, err, d.rule)).then(() => rateThenNext(x, d.rule, next));
    return rateThenNext(x, d.rule, next);
  }
  return next();
}

/** The rate limits (refunding the budgets' call when they refuse), then the rest of the pipeline. */
function rateThenNext(x: Exchange, rule: string, next: () => Promise<void>): Promise<void> {
  // Refused (or Redis unreachable and redis_down: refuse): the budgets' call is taken back.
  const failed = (err: unknown): void => {
    try {
      stateDown(x, err, rule);
    } catch (refusal) {
      refundCall(x, rule);
      throw refusal;
    }
  };
  let limited: unknown;
  try {
    limited = checkRateLimits(x.state.rateLimits, x.gate.rates, rule, x);
  } catch (err) {
    failed(err);
  }
  const go = (): Promise<void> => {
    // An LLM call's usage is read from its response as it passes: ask for it unencoded.
    if (x.budget?.llm && x.up) x.up.headers['accept-encoding'] = 'identity';
    return next();
  };
  if (limited instanceof Promise) return limited.catch(failed).then(go);
  return go();
}
