/**
 * A namespace of its own on the machine's PostgreSQL and Redis for one test file:
 * its own schema and key prefix, so test files running at once never see each
 * other's state, dropped again by `cleanup`. The servers must be running (`.ci/run`
 * starts them); a test using this fails, never skips, when they are not.
 *
 * @example
 * const shared = await sharedState();
 * after(() => shared.cleanup());
 * const cfg = { ...base, state: shared.state };
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';

export const POSTGRES_URL = process.env.SLUICE_TEST_POSTGRES ?? 'postgres://root@127.0.0.1:5432/test';
export const REDIS_URL = process.env.SLUICE_TEST_REDIS ?? 'redis://127.0.0.1:6379';

export interface SharedState {
  readonly namespace: string;
  /** The `state:` section for a gate config. */
  readonly state: { backend: 'postgres'; postgres: string; redis: string; namespace: string };
  /** A pool on the same database (search_path not set), for a test's own checks. */
  readonly pg: pg.Pool;
  /** A Redis client without prefix, for a test's own checks. */
  readonly redis: Redis;
  /** Drop the schema and the keys, close the test's own clients. */
  cleanup(): Promise<void>;
}

export async function sharedState(prefix = 't'): Promise<SharedState> {
  const namespace = `${prefix}_${randomBytes(6).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`PostgreSQL at ${POSTGRES_URL} is not reachable (.ci/run starts it): ${(err as Error).message}`);
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    await pool.end().catch(() => undefined);
    redis.disconnect();
    throw new Error(`Redis at ${REDIS_URL} is not reachable (.ci/run starts it): ${(err as Error).message}`);
  }
  return {
    namespace,
    state: { backend: 'postgres', postgres: POSTGRES_URL, redis: REDIS_URL, namespace },
    pg: pool,
    redis,
    async cleanup() {
      await pool.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`).catch(() => undefined);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
