/**
 * Rate limits, as the govern step applies them: the limits a config load states
 * (each rule's `rate_limit:`, the gate-wide `rate_limits:`), the buckets an allowed
 * request takes a token from, and the 429 `rate_limited` refusal with `Retry-After`.
 *
 * A bucket's key is the limit's scope, the limit itself, and who (or which host) it
 * counts, always within the tenant: tenants never share a bucket. Since the limit is
 * part of the key, a reload that keeps a rule's limit keeps its buckets (and what they
 * have counted), and a reload that changes it starts afresh with full buckets; the old
 * ones are dropped once refilled, or as the least recently used.
 */
import type { Config } from '../config/schema.js';
import { formatDuration } from '../config/duration.js';
import type { GateRateLimitConfig, RateKey, RateLimitConfig } from '../config/rate-limit-section.js';
import type { Principal } from '../identity/principal.js';
import type { RateAsk, RateBucketStore } from '../state/rate-buckets.js';
import { Rejection } from './errors-map.js';

/** One limit as a config load states it. */
export interface RateLimit {
  /** `rule` (the rule's own), or the `rate_limits:` key it comes from. */
  readonly source: 'rule' | 'per_identity' | 'per_host';
  /** The rule's id, for a rule's limit. */
  readonly rule: string | null;
  readonly by: RateKey;
  readonly requests: number;
  readonly perMs: number;
  readonly burst: number;
  /** The key's start: scope and limit, so a changed limit is a new bucket. */
  readonly prefix: string;
}

/** A config load's limits. */
export interface RatePlan {
  readonly byRule: ReadonlyMap<string, RateLimit>;
  readonly perIdentity: RateLimit | null;
  readonly perHost: RateLimit | null;
  readonly maxBuckets: number;
}

/** What the limit reads of an exchange. */
export interface RateSubject {
  readonly principal: Principal | null;
  readonly hostText: string;
}

/**
 * @example
 * const plan = ratePlan(config);
 * plan.byRule.get('github')?.requests; // 10
 */
export function ratePlan(c: Pick<Config, 'rules' | 'rate_limits'>): RatePlan {
  const byRule = new Map<string, RateLimit>();
  for (const r of c.rules) if (r.rate_limit !== undefined && r.mcp === undefined) byRule.set(r.id, limitOf('rule', r.id, r.rate_limit));
  const g = c.rate_limits;
  return {
    byRule,
    perIdentity: g.per_identity === undefined ? null : limitOf('per_identity', null, { ...g.per_identity, by: 'identity' }),
    perHost: g.per_host === undefined ? null : limitOf('per_host', null, { ...g.per_host, by: 'host' }),
    maxBuckets: g.max_buckets,
  };
}

function limitOf(source: RateLimit['source'], rule: string | null, l: RateLimitConfig | (GateRateLimitConfig & { by: RateKey })): RateLimit {
  const burst = l.burst ?? l.requests;
  const scope = rule === null ? `gate:${source}` : `rule:${rule}`;
  return { source, rule, by: l.by, requests: l.requests, perMs: l.per, burst, prefix: `${scope}|${l.requests}/${l.per}/${burst}|${l.by}|` };
}

/** The limits a request decided by `rule` is under, the rule's first. */
export function limitsFor(plan: RatePlan, rule: string): RateLimit[] {
  const out: RateLimit[] = [];
  const own = plan.byRule.get(rule);
  if (own !== undefined) out.push(own);
  if (plan.perIdentity !== null) out.push(plan.perIdentity);
  if (plan.perHost !== null) out.push(plan.perHost);
  return out;
}

/**
 * Take one token from each bucket the request counts against, or refuse it with 429
 * `rate_limited` naming the limit that ran out and `Retry-After` (whole seconds,
 * rounded up). A request without an identity (`identity.required: false`) counts in
 * one bucket per limit shared by every such request.
 */
export function checkRateLimits(plan: RatePlan, store: RateBucketStore, rule: string, x: RateSubject): void {
  const limits = limitsFor(plan, rule);
  if (limits.length === 0) return;
  const asks: RateAsk[] = limits.map((l) => ({ key: keyOf(l, x), requests: l.requests, perMs: l.perMs, burst: l.burst }));
  const took = store.take(asks, plan.maxBuckets);
  if (took.ok) return;
  const l = limits[took.refused]!;
  const retryAfter = Math.max(1, Math.ceil(took.waitMs / 1000));
  throw new Rejection('rate_limited', `${describeLimit(l)} is used up; retry after ${retryAfter}s`, l.rule ?? rule, { 'retry-after': String(retryAfter) });
}

function keyOf(l: RateLimit, x: RateSubject): string {
  const p = x.principal;
  if (l.by === 'host') return l.prefix + JSON.stringify([p?.tenant ?? null, x.hostText]);
  if (p === null) return `${l.prefix}null`;
  switch (l.by) {
    case 'identity':
      return l.prefix + JSON.stringify([p.tenant, p.agent, p.session]);
    case 'session':
      return l.prefix + JSON.stringify([p.tenant, p.session]);
    case 'agent':
      return l.prefix + JSON.stringify([p.tenant, p.agent]);
    case 'tenant':
      return l.prefix + JSON.stringify([p.tenant]);
  }
}

/**
 * A limit in words, for the deny reason and `sluice explain`.
 *
 * @example
 * describeLimit(plan.byRule.get('github')); // "rule github's rate limit (10 requests per 1m, burst 20, per identity)"
 */
export function describeLimit(l: RateLimit): string {
  const what = `${l.requests} requests per ${formatDuration(l.perMs)}${l.burst === l.requests ? '' : `, burst ${l.burst}`}, ${BY_WORDS[l.by]}`;
  return l.rule !== null ? `rule ${l.rule}'s rate limit (${what})` : `the gate's rate limit rate_limits.${l.source} (${what})`;
}

const BY_WORDS: Readonly<Record<RateKey, string>> = {
  identity: 'per identity',
  session: 'per session',
  agent: 'per agent',
  tenant: 'per tenant',
  host: 'per destination host',
};
