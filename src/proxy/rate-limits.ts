/**
 * Rate limits on the request path: the govern step's check, which throws the 429
 * `rate_limited` refusal with `Retry-After` (the limits and their keys: state/rate-plan.ts).
 */
import type { Principal } from '../identity/principal.js';
import { isPending, type RateBucketStore } from '../state/rate-buckets.js';
import { describeLimit, limitsFor, takeTokens, type RatePlan, type RateRefusal } from '../state/rate-plan.js';
import { Rejection } from './errors-map.js';

/**
 * Take one token from each bucket the request decided by `rule` counts against (the
 * rule's limit, `rate_limits.per_identity`, `rate_limits.per_host`), or refuse it with
 * 429 `rate_limited` naming the limit that ran out and `Retry-After` (whole seconds,
 * rounded up). Returns nothing when the store answered at once (the in-memory and SQLite
 * stores: no microtask on the hot path), else a Promise that rejects with the refusal
 * (a network store; one that cannot answer rejects, and the request is refused).
 */
export function checkRateLimits(
  plan: RatePlan,
  store: RateBucketStore,
  rule: string,
  x: { principal: Principal | null; hostText: string },
): void | Promise<void> {
  const limits = limitsFor(plan, rule);
  if (limits.length === 0) return;
  const refused = takeTokens(plan, store, limits, x.principal, x.hostText);
  if (isPending(refused)) return refused.then((r) => refuseIf(r, rule));
  refuseIf(refused, rule);
}

function refuseIf(refused: RateRefusal | null, rule: string): void {
  if (refused === null) return;
  const { limit, retryAfter } = refused;
  throw new Rejection('rate_limited', `${describeLimit(limit)} is used up; retry after ${retryAfter}s`, limit.rule ?? rule, {
    'retry-after': String(retryAfter),
  });
}
