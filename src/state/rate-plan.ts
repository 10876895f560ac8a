/**
 * Rate limits as a config load states them (each rule's `rate_limit:`, HTTP or MCP tool
 * rule, and the gate-wide `rate_limits:`), the bucket keys a request or tool call
 * counts against, and taking a token from each. The request path (proxy/rate-limits.ts)
 * and the MCP guard (mcp/steps/rate-limit.ts) both answer from here.
 *
 * A bucket's key is the limit's scope, the limit itself, and who (or which host) it
 * counts, always within the tenant: tenants never share a bucket. Since the limit is
 * part of the key, a reload that keeps a rule's limit keeps its buckets (and what they
 * have counted), and a reload that changes it starts afresh with full buckets; the old
 * ones are dropped once nothing has used them for a while (rate-buckets.ts).
 */
import type { Config } from '../config/schema.js';
import { formatDuration } from '../config/duration.js';
import type { GateRateLimitConfig, RateKey, RateLimitConfig } from '../config/rate-limit-section.js';
import type { Who } from '../policy/types.js';
import { isPending, type RateAsk, type RateBucketStore, type RateTake } from './rate-buckets.js';

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

/**
 * @example
 * const plan = ratePlan(config);
 * plan.byRule.get('github')?.requests; // 10
 */
export function ratePlan(c: Pick<Config, 'rules' | 'rate_limits'>): RatePlan {
  const byRule = new Map<string, RateLimit>();
  for (const r of c.rules) if (r.rate_limit !== undefined) byRule.set(r.id, limitOf('rule', r.id, r.rate_limit));
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

/**
 * The limits an HTTP request (or WebSocket, or tunnel) decided by `rule` is under, the
 * rule's first; a tool call (`tool: true`) is under its rule's only, since the HTTP
 * request that carried it has counted against the gate-wide ones.
 */
export function limitsFor(plan: RatePlan, rule: string, opts: { tool?: boolean } = {}): RateLimit[] {
  const out: RateLimit[] = [];
  const own = plan.byRule.get(rule);
  if (own !== undefined) out.push(own);
  if (opts.tool === true) return out;
  if (plan.perIdentity !== null) out.push(plan.perIdentity);
  if (plan.perHost !== null) out.push(plan.perHost);
  return out;
}

/** The limit that ran out and the seconds until it allows one. */
export interface RateRefusal {
  readonly limit: RateLimit;
  readonly retryAfter: number;
}

/**
 * One token from each of `limits`' buckets for `who` going to `host` (for a tool call,
 * the MCP server), all or none; null when taken, else the limit that ran out and the
 * seconds until it allows one (rounded up, at least 1). A caller without an identity
 * (`identity.required: false`) counts in one bucket per limit shared by every such caller.
 * Synchronous when the store answers synchronously; a Promise when it does not (a network store).
 */
export function takeTokens(
  plan: RatePlan,
  store: RateBucketStore,
  limits: readonly RateLimit[],
  who: Who | null,
  host: string,
): RateRefusal | null | Promise<RateRefusal | null> {
  const asks: RateAsk[] = limits.map((l) => ({ key: keyOf(l, who, host), requests: l.requests, perMs: l.perMs, burst: l.burst }));
  const took = store.take(asks, plan.maxBuckets);
  if (isPending(took)) return took.then((t) => refusalOf(t, limits));
  return refusalOf(took, limits);
}

function refusalOf(took: RateTake, limits: readonly RateLimit[]): RateRefusal | null {
  if (took.ok) return null;
  return { limit: limits[took.refused]!, retryAfter: Math.max(1, Math.ceil(took.waitMs / 1000)) };
}

function keyOf(l: RateLimit, p: Who | null, host: string): string {
  if (l.by === 'host') return l.prefix + JSON.stringify([p?.tenant ?? null, host]);
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
