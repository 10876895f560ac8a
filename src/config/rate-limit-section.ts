/**
 * Rate limits (token buckets): a rule's `rate_limit:` and the gate-wide
 * `rate_limits:` section. A limit lets `requests` through per `per` on average, and
 * up to `burst` at once (default: `requests`); past it the gate answers 429
 * `rate_limited` with `Retry-After` (proxy/rate-limits.ts). Buckets are kept per
 * tenant always, and within it per what `by` names.
 *
 * @example
 * rules:
 *   - id: github
 *     hosts: [api.github.com]
 *     rate_limit: { requests: 10, per: 1m, burst: 20, by: identity }
 * rate_limits:
 *   per_identity: { requests: 600, per: 1m }
 *   per_host: { requests: 50, per: 1s, burst: 100 }
 */
import * as z from 'zod';
import { durationField, intInRange, strictSection } from './fields.js';

/**
 * What a rule's buckets are kept per (always within a tenant): `identity` one per
 * agent and session (a token and its renewals), `session` one per session (all its
 * agents), `agent` one per agent name (all its sessions), `tenant` one for the tenant,
 * `host` one per destination host.
 */
export const RATE_KEYS = ['identity', 'session', 'agent', 'tenant', 'host'] as const;
export type RateKey = (typeof RATE_KEYS)[number];

const MAX_REQUESTS = 1_000_000;

const limitShape = {
  requests: intInRange(1, MAX_REQUESTS, ' (requests per window)'),
  per: durationField({ positive: true }),
  /** How many may go at once after a quiet spell; default `requests`. */
  burst: intInRange(1, MAX_REQUESTS, ' (requests at once)').optional(),
};

/** A rule's `rate_limit:`. */
export const rateLimitSchema = strictSection({
  ...limitShape,
  by: z.enum(RATE_KEYS).default('identity'),
});
export type RateLimitConfig = z.output<typeof rateLimitSchema>;

/** A gate-wide limit: what it is kept per is in its name. */
const gateLimitSchema = strictSection(limitShape);
export type GateRateLimitConfig = z.output<typeof gateLimitSchema>;

/** The `rate_limits:` section: limits on every allowed request, besides its rule's. */
export const rateLimitsSchema = strictSection({
  /** Each identity (tenant, agent, session), over everything it sends. */
  per_identity: gateLimitSchema.optional(),
  /** Each destination host, per tenant. */
  per_host: gateLimitSchema.optional(),
  /**
   * Buckets kept in memory at most: a bucket not used while half that many others
   * were made is dropped (it starts full again if its key comes back).
   */
  max_buckets: intInRange(16, 10_000_000, ' (buckets)').prefault(65_536),
});
export type RateLimitsConfig = z.output<typeof rateLimitsSchema>;
