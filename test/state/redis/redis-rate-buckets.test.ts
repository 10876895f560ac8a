/**
 * Rate-limit buckets in Redis against the machine's Redis (a namespace of the test's
 * own): a limit holds across clients (replicas) hammering at once; a take is from every
 * bucket or none; a refusal says how long to wait; Redis unreachable (a redis-server of
 * the test's own, killed) rejects with StateUnavailableError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import type { RateAsk } from '../../../src/state/rate-buckets.js';
import { openRedis } from '../../../src/state/redis/client.js';
import { connected } from '../../../src/state/redis/open-counters.js';
import { RedisRateBuckets } from '../../../src/state/redis/redis-rate-buckets.js';
import { StateUnavailableError } from '../../../src/state/state-unavailable.js';
import { waitFor } from '../../helpers/cli-e2e.js';
import { startOwnRedis } from '../../helpers/own-redis.js';
import { REDIS_URL, sharedState, type SharedState } from '../../helpers/shared-state.js';

const MINUTE = 60_000;
const limit = (key: string, requests: number, burst = requests, perMs = MINUTE): RateAsk => ({ key, requests, perMs, burst });

describe('RedisRateBuckets (real Redis)', () => {
  let shared: SharedState;
  const clients: Redis[] = [];
  const replica = async (): Promise<RedisRateBuckets> => {
    const redis = openRedis({ url: REDIS_URL, namespace: shared.namespace });
    clients.push(redis);
    await connected(redis, 2000);
    return new RedisRateBuckets(redis, { failOpen: false });
  };

  before(async () => {
    shared = await sharedState('rr');
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await shared.cleanup();
  });

  test('10 a minute, burst 10, hammered by three replicas at once: exactly 10 taken', async () => {
    const stores = [await replica(), await replica(), await replica()];
    const ask = limit('hammer', 10);
    const took = await Promise.all(Array.from({ length: 90 }, (_, i) => stores[i % 3]!.take([ask], 65_536)));
    assert.equal(took.filter((t) => t.ok).length, 10);
    for (const t of took) {
      if (t.ok) continue;
      assert.equal(t.refused, 0);
      // About 6 s until the next token (10 a minute); bounds, not timing.
      assert.ok(t.waitMs > 0 && t.waitMs <= 6000, String(t.waitMs));
    }
    // The bucket expires once it would have refilled: Redis forgets idle buckets itself.
    const ttl = await shared.redis.pttl(`${shared.namespace}:rate:hammer`);
    assert.ok(ttl > 0 && ttl <= MINUTE + 1000, String(ttl));
  });

  test('all or none: a refusing bucket leaves the others untouched, and names itself', async () => {
    const s = await replica();
    const wide = limit('wide', 100);
    const narrow = limit('narrow', 1, 1);
    assert.deepEqual(await s.take([wide, narrow], 65_536), { ok: true });
    for (let i = 0; i < 5; i++) {
      const t = await s.take([wide, narrow], 65_536);
      assert.equal(t.ok, false);
      assert.equal(!t.ok && t.refused, 1);
    }
    const tokens = Number(await shared.redis.hget(`${shared.namespace}:rate:wide`, 'tokens'));
    assert.ok(tokens >= 98 && tokens < 99.5, `only one token taken from the wide bucket: ${tokens}`);
  });

  test('a bucket refills at its rate', async () => {
    const s = await replica();
    // One a second, burst 1: the take right after the first finds it empty (a token every
    // 50 ms, as before, came back between two Redis calls on a loaded machine), and says
    // how long until the next; then it refills (a bounded poll, no fixed sleep).
    const slow = limit('refill', 1, 1, 1000);
    assert.equal((await s.take([slow], 65_536)).ok, true);
    const refused = await s.take([slow], 65_536);
    assert.ok(!refused.ok && refused.refused === 0 && refused.waitMs > 0 && refused.waitMs <= 1000, JSON.stringify(refused));
    await waitFor('the bucket to refill', async () => ((await s.take([slow], 65_536)).ok ? true : undefined), 10_000, 50);
  });

  test('Redis unreachable: StateUnavailableError; back again: buckets start full', async () => {
    const own = await startOwnRedis();
    const redis = openRedis({ url: own.url, namespace: 'down' });
    try {
      await connected(redis, 2000);
      const s = new RedisRateBuckets(redis, { failOpen: true });
      assert.equal((await s.take([limit('k', 1)], 65_536)).ok, true);
      await own.kill();
      const err = await Promise.resolve(s.take([limit('k', 1)], 65_536)).catch((e: unknown) => e);
      assert.ok(err instanceof StateUnavailableError, String(err));
      assert.equal(err.failOpen, true);
      assert.match(err.message, /rate limits cannot be counted/);
      await own.start();
      await connected(redis, 5000);
      assert.equal((await s.take([limit('k', 1)], 65_536)).ok, true);
      await s.close();
    } finally {
      redis.disconnect();
      await own.stop();
    }
  });
});
