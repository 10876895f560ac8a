/**
 * Opening the Redis-backed counters (budgets, rate-limit buckets, blast radius) on a runtime's shared
 * connections (state/shared-backend.ts): each store holds the connections until it
 * closes, and waits (boundedly) for the Redis connection to be up first, since the
 * client keeps no offline queue and a command sent while it is still connecting would
 * fail. A Redis that does not answer in time does not stop the gate from starting:
 * its budgets and rate limits refuse (or allow, `state.redis_down`) until it does.
 *
 * @example
 * const budgets = await openRedisBudgets(conn, { onError: (err) => log.error({ err }) });
 */
import type { Redis } from 'ioredis';
import type { SharedConnections } from '../shared-backend.js';
import { PgBudgetLedger } from '../postgres/pg-budget-ledger.js';
import { RedisBudgetStore } from './redis-budgets.js';
import { RedisRateBuckets } from './redis-rate-buckets.js';
import { RedisBlastRadius } from './redis-blast-radius.js';

export interface RedisCounterOptions {
  /** A charge after a response that could not be written (Redis unreachable). */
  readonly onError?: (err: unknown) => void;
  readonly now?: () => number;
  /** How long to wait for the connection before going on without it; default 2000 ms. */
  readonly readyMs?: number;
}

/**
 * The budget store on `conn`'s Redis, with its ledger in `conn`'s PostgreSQL (copied
 * every second, read back when Redis comes up empty: pg-budget-ledger.ts); closing it
 * takes a last copy and releases the connections.
 */
export async function openRedisBudgets(conn: SharedConnections, opts: RedisCounterOptions = {}): Promise<RedisBudgetStore> {
  await connected(conn.redis, opts.readyMs ?? 2000);
  const ledger = new PgBudgetLedger(conn.pool, conn.redis, { ready: () => conn.ready(), ...(opts.onError ? { onError: opts.onError } : {}) });
  const release = conn.use();
  ledger.start();
  return new RedisBudgetStore(conn.redis, {
    failOpen: conn.redisDown === 'allow',
    restore: () => ledger.restore(),
    release: async () => {
      await ledger.stop();
      await release();
    },
    ...(opts.onError ? { onError: opts.onError } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
}

/** The rate-limit buckets on `conn`'s Redis; closing them releases the connections. */
export async function openRedisRateBuckets(conn: SharedConnections, opts: Pick<RedisCounterOptions, 'readyMs'> = {}): Promise<RedisRateBuckets> {
  await connected(conn.redis, opts.readyMs ?? 2000);
  return new RedisRateBuckets(conn.redis, { failOpen: conn.redisDown === 'allow', release: conn.use() });
}

/** Resolves once the client is ready, or after `ms` whatever its state. */
export function connected(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once('ready', done);
  });
}

/** The blast radius (critical domains written, tool calls) on `conn`'s Redis; closing it releases the connections. */
export async function openRedisBlastRadius(conn: SharedConnections, opts: Pick<RedisCounterOptions, 'readyMs'> = {}): Promise<RedisBlastRadius> {
  await connected(conn.redis, opts.readyMs ?? 2000);
  return new RedisBlastRadius(conn.redis, { failOpen: conn.redisDown === 'allow', release: conn.use() });
}
