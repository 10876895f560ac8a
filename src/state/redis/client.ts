/**
 * The Redis client the shared counters and the fan-out use: keys under
 * `<namespace>:`, no offline queue (a command while Redis is unreachable fails at
 * once, and its caller fails closed or open per `state.redis_down`), one retry.
 *
 * @example
 * const redis = openRedis({ url: 'redis://127.0.0.1:6379', namespace: 'sluice' });
 * await redis.ping();
 * redis.disconnect();
 */
import type { Redis } from 'ioredis';
import type * as IoRedis from 'ioredis';
import { lazyRequire } from '../../lazy-require.js';

const ioredis = lazyRequire<typeof IoRedis>('ioredis');

export interface RedisOptions {
  readonly url: string;
  readonly namespace: string;
  /** ms before a command is failed when the server does not answer. */
  readonly commandTimeoutMs?: number;
  /** A subscriber connection (pub/sub) keeps its offline queue off too but is never given a key prefix for channels. */
  readonly name?: string;
}

export function openRedis(opts: RedisOptions): Redis {
  const redis = new (ioredis().Redis)(opts.url, {
    keyPrefix: `${opts.namespace}:`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs ?? 1000,
    connectTimeout: 2000,
    connectionName: opts.name ?? 'sluice',
    // Reconnect forever, backing off to 1 s: a replica must come back when Redis does.
    retryStrategy: (times) => Math.min(50 * times, 1000),
    lazyConnect: false,
  });
  redis.on('error', () => undefined);
  return redis;
}

/** The pub/sub channel name for `topic` in `namespace` (channels get no key prefix). */
export function channel(namespace: string, topic: string): string {
  return `${namespace}:${topic}`;
}
