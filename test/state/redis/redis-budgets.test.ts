/**
 * The Redis budget store against the machine's Redis (a namespace of the test's own):
 * check and charge in one script, all budgets or none; several clients (as replicas)
 * hammering one account get exactly its limit; pauses and raises shared; windows as
 * expiring keys; debits after the response; `accounts` for `sluice budget show`.
 * Redis unreachable (a redis-server of the test's own, killed): StateUnavailableError,
 * fail-closed or fail-open as configured, and it works again once Redis is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import type { BudgetsConfig } from '../../../src/config/budget-section.js';
import { accountKey, accountOf, budgetPlan, type Budget } from '../../../src/state/budget-plan.js';
import type { BudgetAsk, Counts } from '../../../src/state/budgets.js';
import { openRedis } from '../../../src/state/redis/client.js';
import { connected } from '../../../src/state/redis/open-counters.js';
import { RedisBudgetStore } from '../../../src/state/redis/redis-budgets.js';
import { StateUnavailableError } from '../../../src/state/state-unavailable.js';
import { startOwnRedis } from '../../helpers/own-redis.js';
import { REDIS_URL, sharedState, type SharedState } from '../../helpers/shared-state.js';

const HOUR = 3_600_000;
/** The start of this hour, plus a second: windowed keys expire by the server's clock, so the test's clock is near the real one. */
const T0 = Date.now() - (Date.now() % HOUR) + 1000;
const WHO = { tenant: 'acme', agent: 'bot', session: 's1' };
const PLAIN = { write: false, llm: false };
const CALL = { calls: 1 };

function plan(budgets: Record<string, Partial<BudgetsConfig[string]>>): Map<string, Budget> {
  const full = Object.fromEntries(
    Object.entries(budgets).map(([k, b]) => [k, { per: 'session', window: 'life', on_exhausted: 'refuse', ...b }]),
  ) as BudgetsConfig;
  return new Map(budgetPlan({ budgets: full }).budgets.map((b) => [b.name, b]));
}
const ask = (b: Budget, who = WHO): BudgetAsk => ({ budget: b, account: accountOf(b, who), key: accountKey(accountOf(b, who)) });
const each = (asks: readonly BudgetAsk[], s: Partial<Counts> = CALL): Partial<Counts>[] => asks.map(() => s);

describe('RedisBudgetStore (real Redis)', () => {
  let shared: SharedState;
  const clients: Redis[] = [];
  /** A store on a client of its own: a replica. */
  const replica = async (now?: () => number, failOpen = false): Promise<RedisBudgetStore> => {
    const redis = openRedis({ url: REDIS_URL, namespace: shared.namespace });
    clients.push(redis);
    await connected(redis, 2000);
    return new RedisBudgetStore(redis, { failOpen, ...(now ? { now } : {}) });
  };

  before(async () => {
    shared = await sharedState('rb');
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await shared.cleanup();
  });

  test('take charges when nothing refuses; past the limit it refuses with the limit and the use, spending nothing', async () => {
    const b = plan({ s: { calls: 2 } }).get('s')!;
    const s = await replica();
    assert.equal(await s.take([ask(b)], PLAIN, each([ask(b)])), null);
    assert.equal(await s.take([ask(b)], PLAIN, each([ask(b)])), null);
    const r = await s.take([ask(b)], PLAIN, each([ask(b)]));
    assert.ok(r);
    assert.deepEqual(
      { metric: r.metric, limit: r.limit, used: r.used, resetsAt: r.resetsAt, paused: r.paused },
      { metric: 'calls', limit: 2, used: 2, resetsAt: null, paused: false },
    );
    // Another session is its own account.
    assert.equal(await s.take([ask(b, { ...WHO, session: 's2' })], PLAIN, [CALL]), null);
    const [view] = await s.accounts({ budget: 's', subject: 's1' }, () => null);
    assert.equal(view?.used.calls, 2);
  });

  test('all or nothing: one budget at its limit refuses, and the other is not charged', async () => {
    const p = plan({ big: { calls: 100 }, small: { calls: 1 } });
    const asks = [ask(p.get('big')!, { ...WHO, session: 'aon' }), ask(p.get('small')!, { ...WHO, session: 'aon' })];
    const s = await replica();
    assert.equal(await s.take(asks, PLAIN, each(asks)), null);
    for (let i = 0; i < 5; i++) assert.equal((await s.take(asks, PLAIN, each(asks)))?.ask.budget.name, 'small');
    const views = await s.accounts({ subject: 'aon' }, () => null);
    assert.deepEqual(
      views.map((v) => [v.account.budget, v.used.calls]),
      [
        ['big', 1],
        ['small', 1],
      ],
    );
  });

  test('three replicas hammering one account at once: exactly its limit is allowed', async () => {
    const b = plan({ hammer: { calls: 100 } }).get('hammer')!;
    const a = ask(b, { ...WHO, session: 'hammer' });
    const stores = [await replica(), await replica(), await replica()];
    const results = await Promise.all(Array.from({ length: 360 }, (_, i) => stores[i % 3]!.take([a], PLAIN, [CALL])));
    assert.equal(results.filter((r) => r === null).length, 100);
    assert.ok(results.every((r) => r === null || (r.metric === 'calls' && r.used === 100)));
    assert.equal((await stores[0]!.accounts({ subject: 'hammer' }, () => null))[0]?.used.calls, 100);
  });

  test('writes are checked only for a write, tokens and cost only for an LLM call; debits add after the response', async () => {
    const p = plan({ w: { writes: 1 }, t: { tokens: 100, cost: 0.5 } });
    const w = ask(p.get('w')!, { ...WHO, session: 'kinds' });
    const t = ask(p.get('t')!, { ...WHO, session: 'kinds' });
    const s = await replica();
    assert.equal(await s.take([w], { write: true, llm: false }, [{ calls: 1, writes: 1 }]), null);
    assert.equal(await s.take([w], PLAIN, [CALL]), null);
    assert.equal((await s.take([w], { write: true, llm: false }, [{ calls: 1, writes: 1 }]))?.metric, 'writes');
    s.charge([t], { input_tokens: 60, output_tokens: 30, cost: 0.123456789, bytes_in: 10 });
    s.charge([t], { cost: 0.4 });
    await s.close(); // waits for the charges on their way
    const s2 = await replica();
    assert.equal(await s2.take([t], PLAIN, [CALL]), null, 'not an LLM call: tokens and cost do not refuse');
    const r = await s2.take([t], { write: false, llm: true }, [CALL]);
    assert.equal(r?.metric, 'cost');
    assert.ok(Math.abs(r.used - 0.523456789) < 1e-9, String(r.used));
    const [v] = await s2.accounts({ budget: 't', subject: 'kinds' }, () => null);
    assert.deepEqual(
      { ...v?.used, cost: Math.round((v?.used.cost ?? 0) * 1e9) },
      { calls: 1, writes: 0, bytes_in: 10, bytes_out: 0, input_tokens: 60, output_tokens: 30, cost: 523456789 },
    );
  });

  test('a pause decided on one replica holds on the others until a raise, which every replica sees', async () => {
    const b = plan({ p: { calls: 1, on_exhausted: 'pause' } }).get('p')!;
    const a = ask(b, { ...WHO, session: 'paused' });
    const one = await replica();
    const two = await replica();
    assert.equal(await one.take([a], PLAIN, [CALL]), null);
    const r = await one.take([a], PLAIN, [CALL]);
    assert.equal(r?.paused, true);
    assert.equal(r.resetsAt, null);
    const other = await two.take([a], PLAIN, [CALL]);
    assert.equal(other?.paused, true);
    assert.equal(other.limit, 1);
    const [v] = await two.accounts({ subject: 'paused' }, () => null);
    assert.notEqual(v?.pausedAt, null);
    assert.equal(v?.pausedMetric, 'calls');

    const cli = await replica();
    const entry = await cli.raise({ account: a.account, metric: 'calls', by: 2, windowMs: null });
    assert.equal(entry.unpaused, true);
    assert.equal(await two.take([a], PLAIN, [CALL]), null);
    assert.equal(await one.take([a], PLAIN, [CALL]), null);
    const again = await one.take([a], PLAIN, [CALL]);
    assert.deepEqual([again?.paused, again?.limit, again?.used], [true, 3, 3]);
    const to = await cli.raise({ account: a.account, metric: 'calls', to: 10, windowMs: null });
    assert.equal(to.unpaused, true);
    assert.equal(Number(to.id), Number(entry.id) + 1);
    assert.equal(await two.take([a], PLAIN, [CALL]), null);
    await assert.rejects(cli.raise({ account: a.account, metric: 'calls', windowMs: null }), /exactly one of --by and --to/);
    await assert.rejects(cli.raise({ account: { ...a.account, subject: 'no such/session' }, metric: 'calls', by: 1, windowMs: null }));
  });

  test('a windowed budget counts per window (keys expire), and a raise holds for the window it was given in', async () => {
    const clock = { now: T0 };
    const b = plan({ h: { calls: 1, window: HOUR } }).get('h')!;
    const a = ask(b, { ...WHO, session: 'win' });
    const s = await replica(() => clock.now);
    assert.equal(await s.take([a], PLAIN, [CALL], clock.now), null);
    const r = await s.take([a], PLAIN, [CALL], clock.now);
    assert.equal(r?.resetsAt, T0 - 1000 + HOUR);
    await s.raise({ account: a.account, metric: 'calls', by: 1, windowMs: HOUR });
    assert.equal(await s.take([a], PLAIN, [CALL], clock.now), null);
    assert.ok(await s.take([a], PLAIN, [CALL], clock.now));
    const keys = await shared.redis.keys(`${shared.namespace}:budget:use:*win*`);
    assert.equal(keys.length, 1);
    assert.ok((await shared.redis.pttl(keys[0]!)) > 0, 'a window key expires');
    clock.now += HOUR;
    assert.equal(await s.take([a], PLAIN, [CALL], clock.now), null, 'a new window');
    assert.ok(await s.take([a], PLAIN, [CALL], clock.now), "the last window's raise does not carry over");
  });

  test('Redis unreachable: StateUnavailableError (fail closed or open as configured), and it works again once Redis is back', async () => {
    const own = await startOwnRedis();
    const redis = openRedis({ url: own.url, namespace: 'down' });
    try {
      await connected(redis, 2000);
      const b = plan({ d: { calls: 5 } }).get('d')!;
      const closed = new RedisBudgetStore(redis, { failOpen: false });
      const open = new RedisBudgetStore(redis, { failOpen: true });
      assert.equal(await closed.take([ask(b)], PLAIN, [CALL]), null);
      await own.kill();
      const err = await closed.take([ask(b)], PLAIN, [CALL]).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof StateUnavailableError, String(err));
      assert.equal(err.failOpen, false);
      assert.match(err.message, /^the shared state \(Redis\) is unreachable: budgets cannot be counted \(.+\)$/);
      const err2 = await open.take([ask(b)], PLAIN, [CALL]).catch((e: unknown) => e);
      assert.ok(err2 instanceof StateUnavailableError && err2.failOpen);
      await assert.rejects(closed.raise({ account: ask(b).account, metric: 'calls', by: 1, windowMs: null }), StateUnavailableError);
      await own.start();
      await connected(redis, 5000);
      // An empty server (no persistence): the script is loaded again, counting starts afresh.
      assert.equal(await closed.take([ask(b)], PLAIN, [CALL]), null);
    } finally {
      redis.disconnect();
      await own.stop();
    }
  });
});
