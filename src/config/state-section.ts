/**
 * The `state:` section: where the state shared by gates and the CLI lives
 * (revocations, kill switch and quarantines, approvals, budgets, rate limits, tool
 * pins, run participants). The default is the embedded SQLite database in
 * `data_dir` (state.db); `postgres` puts the durable state in PostgreSQL and the hot
 * counters and fan-out in Redis, so several gate replicas behave as one.
 *
 * @example
 * state:
 *   backend: postgres
 *   postgres: postgres://sluice@db.internal:5432/sluice
 *   redis: redis://cache.internal:6379
 *   namespace: prod          # PostgreSQL schema and Redis key prefix
 *   redis_down: refuse       # budgets and rate limits while Redis is unreachable
 */
import * as z from 'zod';
import { describeValue } from './describe-value.js';
import { parsedBy, strictSection } from './fields.js';

/** Backends this version opens (runtime/state-backend.ts). */
export const STATE_BACKENDS = ['sqlite', 'postgres'] as const;
export type StateBackendName = (typeof STATE_BACKENDS)[number];

const backendField = parsedBy((v): StateBackendName => {
  if (v === 'sqlite' || v === 'postgres') return v;
  if (v === 'redis') {
    throw new TypeError(
      "redis is not a backend on its own: say 'backend: postgres' with 'redis: URL' (PostgreSQL keeps the durable state, Redis the counters)",
    );
  }
  throw new TypeError(`expected sqlite or postgres; got ${describeValue(v)}`);
});

function urlField(schemes: readonly string[], what: string) {
  return parsedBy((v): string => {
    if (typeof v !== 'string') throw new TypeError(`expected a ${what} URL like ${schemes[0]}://host:port/...; got ${describeValue(v)}`);
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      // Never echo the value: a URL may carry a password.
      throw new TypeError(`expected a ${what} URL like ${schemes[0]}://host:port/...; this value does not parse as a URL`);
    }
    const scheme = u.protocol.slice(0, -1);
    if (!schemes.includes(scheme)) throw new TypeError(`expected a ${what} URL with scheme ${schemes.join(' or ')}; got ${scheme}:`);
    return v;
  });
}

/** PostgreSQL schema names and Redis key prefixes: one lowercase identifier, so it needs no quoting anywhere. */
const NAMESPACE = /^[a-z_][a-z0-9_]{0,47}$/;

export const stateSchema = strictSection({
  backend: backendField.default('sqlite'),
  /** libpq-style URL of the PostgreSQL database (durable state, audit trail). */
  postgres: urlField(['postgres', 'postgresql'], 'PostgreSQL').optional(),
  /** URL of the Redis server (rate-limit buckets, budget counters, fan-out). */
  redis: urlField(['redis', 'rediss'], 'Redis').optional(),
  /** PostgreSQL schema and Redis key prefix: gates sharing state share this. */
  namespace: z
    .string()
    .refine((s) => NAMESPACE.test(s), { error: 'expected a lowercase identifier (letters, digits, _; at most 48) like sluice or prod_eu' })
    .default('sluice'),
  /** What budgets and rate limits do while Redis cannot be reached: refuse (fail closed) or allow. */
  redis_down: z.enum(['refuse', 'allow']).default('refuse'),
}).superRefine((s, ctx) => {
  if (s.backend !== 'postgres') {
    for (const k of ['postgres', 'redis'] as const) {
      if (s[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `only used with 'backend: postgres' (backend is ${s.backend})` });
    }
    return;
  }
  if (s.postgres === undefined) ctx.addIssue({ code: 'custom', path: ['postgres'], message: "'backend: postgres' needs 'postgres: postgres://HOST:PORT/DB'" });
  if (s.redis === undefined)
    ctx.addIssue({ code: 'custom', path: ['redis'], message: "'backend: postgres' needs 'redis: redis://HOST:PORT' (budgets, rate limits and fan-out)" });
});

export type StateConfig = z.output<typeof stateSchema>;
