/**
 * The shared backend (`state.backend: postgres`): durable state in PostgreSQL, hot
 * counters and fan-out in Redis, so several gate replicas behave as one gate. One
 * `SharedConnections` per runtime holds the pool and the Redis clients every store
 * opened from it uses; the last store closed ends them.
 *
 * Each store's PostgreSQL/Redis implementation lives in state/postgres/ or
 * state/redis/ and is wired in `openShared` below.
 */
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { StateConfig } from '../config/state-section.js';
import { migrate } from './postgres/migrate.js';
import { openPostgres } from './postgres/pool.js';
import { openRedis } from './redis/client.js';

/** The connections a runtime's shared stores use, opened once, counted by users. */
export class SharedConnections {
  readonly pool: pg.Pool;
  readonly redis: Redis;
  readonly namespace: string;
  readonly redisDown: 'refuse' | 'allow';
  #users = 0;
  #migrated: Promise<string[]> | null = null;
  #ended = false;

  constructor(state: StateConfig, appName = 'sluice') {
    if (state.postgres === undefined || state.redis === undefined) throw new TypeError('state.backend postgres needs state.postgres and state.redis');
    this.namespace = state.namespace;
    this.redisDown = state.redis_down;
    this.pool = openPostgres({ url: state.postgres, namespace: state.namespace, applicationName: appName });
    this.redis = openRedis({ url: state.redis, namespace: state.namespace, name: appName });
  }

  /** The schema brought up to date, once per process (every store awaits it before its first query). */
  ready(): Promise<string[]> {
    this.#migrated ??= migrate(this.pool, this.namespace);
    return this.#migrated;
  }

  /** A store starts using the connections; call the returned function when it closes. */
  use(): () => Promise<void> {
    this.#users++;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      if (--this.#users === 0) await this.end();
    };
  }

  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.redis.disconnect();
    await this.pool.end().catch(() => undefined);
  }
}
