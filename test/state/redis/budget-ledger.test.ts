/**
 * The budgets' ledger in PostgreSQL (pg-budget-ledger.ts), through the stores a gate
 * opens (openRedisBudgets on SharedConnections), against a redis-server of the test's
 * own without persistence (killed and started again: it comes back empty) and the
 * machine's PostgreSQL (a namespace of the test's own):
 * - what was spent before Redis was lost is still spent after: the budget allows only
 *   what was left, a raise given before the loss still holds, windows keep their expiry;
 * - two replicas finding Redis empty at once restore it once: together they allow
 *   exactly what was left;
 * - a copy taken while Redis is empty and not yet restored writes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BudgetsConfig } from '../../../src/config/budget-section.js';
import { accountKey, accountOf, budgetPlan, type Budget } from '../../../src/state/budget-plan.js';
import type { BudgetAsk } from '../../../src/state/budgets.js';
import { PgBudgetLedger } from '../../../src/state/postgres/pg-budget-ledger.js';
import { openRedisBudgets } from '../../../src/state/redis/open-counters.js';
import type { RedisBudgetStore } from '../../../src/state/redis/redis-budgets.js';
import { SharedConnections } from '../../../src/state/shared-backend.js';
import { startOwnRedis, type OwnRedis } from '../../helpers/own-redis.js';
import { POSTGRES_URL, sharedState, type SharedState } from '../../helpers/shared-state.js';

const PLAIN = { write: false, llm: false };
const HOUR = 3_600_000;

function budget(name: string, spec: Partial<BudgetsConfig[string]>): Budget {
  const full = { [name]: { per: 'session', window: 'life', on_exhausted: 'refuse', ...spec } } as BudgetsConfig;
  return budgetPlan({ budgets: full }).budgets.find((b) => b.name === name)!;
}
const ask = (b: Budget, session: string): BudgetAsk => {
  const account = accountOf(b, { tenant: 'acme', agent: 'bot', session });
  return { budget: b, account, key: accountKey(account) };
};

describe('the budget ledger: Redis lost, budgets kept', () => {
  let shared: SharedState;
  let redis: OwnRedis;
  const conns: SharedConnections[] = [];
  const stores: RedisBudgetStore[] = [];

  const replica = async (): Promise<RedisBudgetStore> => {
    const conn = new SharedConnections({ backend: 'postgres', postgres: POSTGRES_URL, redis: redis.url, namespace: shared.namespace, redis_down: 'refuse' });
    conns.push(conn);
    await conn.ready();
    const s = await openRedisBudgets(conn);
    stores.push(s);
    return s;
  };
  /** Allowed requests among `n` takes of one call each, sent at once. */
  const allowed = async (s: RedisBudgetStore[], a: BudgetAsk, n: number): Promise<number> => {
    const replies = await Promise.all(Array.from({ length: n }, (_, i) => s[i % s.length]!.take([a], PLAIN, [{ calls: 1 }])));
    return replies.filter((r) => r === null).length;
  };
  /** The ledger row of a key, once a copy holds `want` (the copy runs every second). */
  const copied = async (key: string, want: (data: unknown) => boolean): Promise<void> => {
    const until = Date.now() + 10_000;
    for (;;) {
      const { rows } = await shared.pg.query<{ data: unknown }>(`SELECT data FROM "${shared.namespace}".budget_ledger WHERE key = $1`, [key]);
      if (rows[0] !== undefined && want(rows[0].data)) return;
      if (Date.now() > until) throw new Error(`no copy of ${key} in the ledger: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const restart = async (): Promise<void> => {
    await redis.kill();
    await redis.start();
    // The clients reconnect on their own (retry every ≤ 1 s); wait until each answers.
    for (const c of conns) {
      const until = Date.now() + 10_000;
      while ((await c.redis.ping().catch(() => null)) !== 'PONG') {
        if (Date.now() > until) throw new Error('the client did not reconnect');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.equal(await conns[0]!.redis.exists('budget:accounts'), 0, 'Redis came back empty');
  };

  before(async () => {
    shared = await sharedState('bl');
    redis = await startOwnRedis();
  });
  after(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    for (const c of conns) await c.end();
    await redis.stop();
    await shared.cleanup();
  });

  test('spent before the loss stays spent: a life budget, a raise, an hourly window with its expiry', async () => {
    const s = await replica();
    const life = ask(budget('life', { calls: 5 }), 's1');
    const hourly = ask(budget('hourly', { calls: 4, window: HOUR }), 's1');
    assert.equal(await allowed([s], life, 3), 3);
    assert.equal(await allowed([s], hourly, 3), 3);
    await s.raise({ account: life.account, metric: 'calls', by: 1, windowMs: null });
    const ws = Date.now() - (Date.now() % HOUR);
    await copied(`budget:use:${life.key}:0`, (d) => (d as { calls?: string }).calls === '3');
    await copied(`budget:use:${hourly.key}:${ws}`, (d) => (d as { calls?: string }).calls === '3');
    await copied(`budget:raise:${life.key}:0`, (d) => Array.isArray(d) && d.length === 1);

    await restart();
    // 5 + 1 raised - 3 spent = 3 left; 4 - 3 = 1 left in the hour.
    assert.equal(await allowed([s], life, 6), 3);
    assert.equal(await allowed([s], hourly, 4), 1);
    const refusal = await s.take([life], PLAIN, [{ calls: 1 }]);
    assert.equal(refusal?.limit, 6);
    assert.equal(refusal?.used, 6);
    const pttl = await conns[0]!.redis.pttl(`budget:use:${hourly.key}:${ws}`);
    assert.ok(pttl > 0 && pttl <= 3 * HOUR, `the window's expiry came back with it (${pttl} ms)`);
  });

  test('two replicas finding Redis empty at once restore it once: together they allow exactly what was left', async () => {
    const [a, b] = [stores[0] ?? (await replica()), await replica()];
    const race = ask(budget('race', { calls: 40 }), 's2');
    assert.equal(await allowed([a, b], race, 25), 25);
    await copied(`budget:use:${race.key}:0`, (d) => (d as { calls?: string }).calls === '25');
    await restart();
    assert.equal(await allowed([a, b], race, 40), 15);
  });

  test('a copy taken while Redis is empty and not yet restored writes nothing', async () => {
    const quiet = ask(budget('quiet', { calls: 10 }), 's3');
    const s = stores[0]!;
    assert.equal(await allowed([s], quiet, 4), 4);
    await copied(`budget:use:${quiet.key}:0`, (d) => (d as { calls?: string }).calls === '4');
    await restart();
    const ledger = new PgBudgetLedger(conns[0]!.pool, conns[0]!.redis);
    await conns[0]!.redis.set('budget:use:stray:0', 'x');
    assert.equal(await ledger.snapshot(), 0, 'no marker: nothing copied');
    const { rows } = await shared.pg.query<{ data: { calls: string } }>(`SELECT data FROM "${shared.namespace}".budget_ledger WHERE key = $1`, [
      `budget:use:${quiet.key}:0`,
    ]);
    assert.equal(rows[0]?.data.calls, '4', 'the copy before the loss is intact');
    await conns[0]!.redis.del('budget:use:stray:0');
    assert.equal(await allowed([s], quiet, 10), 6);
  });
});
