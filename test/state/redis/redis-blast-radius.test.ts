/**
 * The blast radius in Redis against the machine's Redis (a namespace of the test's
 * own): domains written on one replica are seen on another; the tool-call cap holds
 * across replicas calling at once; a store on a killed Redis rejects (fail closed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { openRedis } from '../../../src/state/redis/client.js';
import { connected } from '../../../src/state/redis/open-counters.js';
import { RedisBlastRadius } from '../../../src/state/redis/redis-blast-radius.js';
import { StateUnavailableError } from '../../../src/state/state-unavailable.js';
import { startOwnRedis } from '../../helpers/own-redis.js';
import { REDIS_URL, sharedState, type SharedState } from '../../helpers/shared-state.js';

describe('RedisBlastRadius (real Redis)', () => {
  let shared: SharedState;
  const clients: Redis[] = [];
  const replica = async (): Promise<RedisBlastRadius> => {
    const redis = openRedis({ url: REDIS_URL, namespace: shared.namespace });
    clients.push(redis);
    await connected(redis, 2000);
    return new RedisBlastRadius(redis, { failOpen: false });
  };
  before(async () => {
    shared = await sharedState('rbr');
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await shared.cleanup();
  });

  test("a domain written through one replica is in the session's radius on another", async () => {
    const [one, two] = [await replica(), await replica()];
    await one.wrote('acme/s1', 'db.example');
    await two.wrote('acme/s1', 'billing.example');
    assert.deepEqual(await two.domains('acme/s1'), ['billing.example', 'db.example']);
    assert.deepEqual(await one.domains('acme/s2'), []);
  });

  test('the tool-call cap holds across three replicas calling at once', async () => {
    const stores = [await replica(), await replica(), await replica()];
    const ok = await Promise.all(Array.from({ length: 60 }, (_, i) => stores[i % 3]!.toolCall('acme/calls', 25)));
    assert.equal(ok.filter(Boolean).length, 25);
    assert.equal(await stores[0]!.toolCall('acme/other', 0), true, '0: no cap');
  });

  test('Redis unreachable: rejects with StateUnavailableError', async () => {
    const own = await startOwnRedis();
    const redis = openRedis({ url: own.url, namespace: 'down' });
    try {
      await connected(redis, 2000);
      const s = new RedisBlastRadius(redis, { failOpen: false });
      assert.equal(await s.toolCall('k', 1), true);
      await own.kill();
      await assert.rejects(s.toolCall('k', 5), StateUnavailableError);
      await assert.rejects(s.domains('k'), StateUnavailableError);
    } finally {
      redis.disconnect();
      await own.stop();
    }
  });
});
