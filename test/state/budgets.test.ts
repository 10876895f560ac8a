import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accountKey, accountOf, budgetPlan, type Budget } from '../../src/state/budget-plan.js';
import type { BudgetAsk } from '../../src/state/budgets.js';
import type { BudgetLedger } from '../../src/state/budget-ledger.js';
import { openBudgetStore } from '../../src/state/sqlite-budgets.js';
import type { BudgetsConfig } from '../../src/config/budget-section.js';

const HOUR = 3_600_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % HOUR) + 1000;
const WHO = { tenant: 'acme', agent: 'bot', session: 's1' };
const PLAIN = { write: false, llm: false };

function plan(budgets: Record<string, Partial<BudgetsConfig[string]>>): Map<string, Budget> {
  const full = Object.fromEntries(
    Object.entries(budgets).map(([k, b]) => [k, { per: 'session', window: 'life', on_exhausted: 'refuse', ...b }]),
  ) as BudgetsConfig;
  return new Map(budgetPlan({ budgets: full }).budgets.map((b) => [b.name, b]));
}
const ask = (b: Budget, who = WHO): BudgetAsk => ({ budget: b, account: accountOf(b, who), key: accountKey(accountOf(b, who)) });

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-budgets-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A store whose clock the test moves. */
function open(dir: string, clock: { now: number }, opts: { recheckMs?: number } = {}): BudgetLedger {
  return openBudgetStore(dir, { flushMs: 0, now: () => clock.now, ...opts });
}

void test('check charges nothing; the call after the limit is refused with the limit, the use and no reset (life)', () =>
  withDir(async (dir) => {
    const clock = { now: T0 };
    const b = plan({ calls: { calls: 2 } }).get('calls')!;
    const s = open(dir, clock);
    for (let i = 0; i < 2; i++) {
      assert.equal(s.check([ask(b)], PLAIN), null);
      s.charge([ask(b)], { calls: 1 });
    }
    // Checked many times, refused each time, charged nothing more.
    for (let i = 0; i < 3; i++) {
      const r = s.check([ask(b)], PLAIN);
      assert.deepEqual(r && { metric: r.metric, limit: r.limit, used: r.used, resetsAt: r.resetsAt, paused: r.paused }, {
        metric: 'calls',
        limit: 2,
        used: 2,
        resetsAt: null,
        paused: false,
      });
    }
    // Another session, another tenant with the same session name: their own accounts.
    assert.equal(s.check([ask(b, { ...WHO, session: 's2' })], PLAIN), null);
    assert.equal(s.check([ask(b, { ...WHO, tenant: 'globex' })], PLAIN), null);
    await s.close();
    // Written on close: a new store (a restarted gate) reads it back.
    const again = open(dir, clock);
    assert.equal(again.check([ask(b)], PLAIN)?.used, 2);
    const [view] = await again.accounts({ budget: 'calls' }, () => null);
    assert.deepEqual(view?.used.calls, 2);
    assert.equal(view?.startedAt, T0);
    await again.close();
  }));

void test('a window resets on its boundary; resetsAt says when', () =>
  withDir(async (dir) => {
    const clock = { now: T0 };
    const b = plan({ hourly: { window: HOUR, per: 'tenant', bytes_out: 100 } }).get('hourly')!;
    const s = open(dir, clock);
    s.charge([ask(b)], { bytes_out: 150 });
    assert.equal(s.check([ask(b)], PLAIN)?.resetsAt, T0 - 1000 + HOUR);
    clock.now = T0 - 1000 + HOUR;
    assert.equal(s.check([ask(b)], PLAIN), null);
    s.charge([ask(b)], { bytes_out: 10 });
    s.flush();
    const views = await s.accounts({}, () => HOUR);
    assert.deepEqual(
      views.map((v) => [v.windowStart, v.used.bytes_out]),
      [[T0 - 1000 + HOUR, 10]],
    );
    await s.close();
  }));

void test('writes are checked only for writes, tokens and cost only for LLM calls; time counts from the first call', () =>
  withDir(async (dir) => {
    const clock = { now: T0 };
    const p = plan({ w: { writes: 1 }, t: { tokens: 10, cost: 1 }, age: { time: 60_000 } });
    const [w, t, age] = [p.get('w')!, p.get('t')!, p.get('age')!];
    const s = open(dir, clock);
    s.charge([ask(w)], { writes: 1 });
    s.charge([ask(t)], { input_tokens: 4, output_tokens: 6, cost: 0.5 });
    assert.equal(s.check([ask(w), ask(t)], PLAIN), null);
    assert.equal(s.check([ask(w)], { write: true, llm: false })?.metric, 'writes');
    assert.equal(s.check([ask(t)], { write: false, llm: true })?.metric, 'tokens');
    assert.equal(s.check([ask(age)], PLAIN), null);
    s.charge([ask(age)], { calls: 1 });
    clock.now += 60_000;
    const r = s.check([ask(age)], PLAIN);
    assert.deepEqual([r?.metric, r?.used, r?.limit], ['time', 60_000, 60_000]);
    await s.close();
  }));

void test('pause: sticky across windows and restarts, until a raise from another store (another process) lifts it', () =>
  withDir(async (dir) => {
    const clock = { now: T0 };
    const b = plan({ p: { calls: 1, on_exhausted: 'pause', window: HOUR } }).get('p')!;
    const gate = open(dir, clock, { recheckMs: 50 });
    s_charge(gate, b);
    const r = gate.check([ask(b)], PLAIN);
    assert.deepEqual([r?.paused, r?.resetsAt], [true, null]);
    // A new window does not lift a pause.
    clock.now += HOUR;
    assert.equal(gate.check([ask(b)], PLAIN)?.paused, true);
    // The operator's CLI: its own store on the same file.
    const cli = open(dir, clock);
    const entry = await cli.raise({ account: accountOf(b, WHO), metric: 'calls', by: 2, windowMs: HOUR });
    assert.equal(entry.unpaused, true);
    await cli.close();
    // Re-read at most every recheckMs: not yet, then yes.
    clock.now += 10;
    assert.equal(gate.check([ask(b)], PLAIN)?.paused, true);
    clock.now += 50;
    assert.equal(gate.check([ask(b)], PLAIN), null);
    // The raise gave this window 1 + 2 calls.
    for (let i = 0; i < 3; i++) s_charge(gate, b);
    const again = gate.check([ask(b)], PLAIN);
    assert.deepEqual([again?.paused, again?.limit, again?.used], [true, 3, 3]);
    await gate.close();
    // A restarted gate finds it paused.
    const restarted = open(dir, clock);
    assert.equal(restarted.check([ask(b)], PLAIN)?.paused, true);
    // --to sets the limit.
    await restarted.raise({ account: accountOf(b, WHO), metric: 'calls', to: 10, windowMs: HOUR });
    clock.now += 100;
    assert.equal(restarted.check([ask(b)], PLAIN), null);
    await restarted.close();
  }));

function s_charge(s: BudgetLedger, b: Budget): void {
  assert.equal(s.check([ask(b)], PLAIN), null);
  s.charge([ask(b)], { calls: 1 });
}

void test('two gates on one state add up, each seeing the other after a batch', () =>
  withDir(async (dir) => {
    const clock = { now: T0 };
    const b = plan({ shared: { per: 'tenant', calls: 5 } }).get('shared')!;
    const a = open(dir, clock);
    const c = open(dir, clock);
    a.charge([ask(b)], { calls: 2 });
    c.charge([ask(b)], { calls: 2 });
    a.flush();
    c.flush();
    a.flush();
    c.charge([ask(b)], { calls: 1 });
    // c: 4 written + 1 pending; a: 4 read back.
    assert.equal(c.check([ask(b)], PLAIN)?.used, 5);
    assert.equal(a.check([ask(b)], PLAIN), null);
    c.flush();
    a.charge([ask(b)], { calls: 0 });
    a.flush();
    assert.equal(a.check([ask(b)], PLAIN)?.used, 5);
    await a.close();
    await c.close();
  }));

void test('raise checks what it is given', () =>
  withDir(async (dir) => {
    const s = open(dir, { now: T0 });
    const b = plan({ x: { calls: 1 } }).get('x')!;
    await assert.rejects(s.raise({ account: accountOf(b, WHO), metric: 'calls', windowMs: null }), /exactly one of --by and --to/);
    await assert.rejects(s.raise({ account: accountOf(b, WHO), metric: 'calls', by: -1, windowMs: null }), /0 or more/);
    await assert.rejects(s.raise({ account: { ...accountOf(b, WHO), subject: 'bad name' }, metric: 'calls', by: 1, windowMs: null }), /session/);
    await s.close();
  }));

void test('the timer writes in batches of batchSize, one turn of the event loop apart, until everything is written', () =>
  withDir(async (dir) => {
    const b = plan({ many: { calls: 100 } }).get('many')!;
    const gate = openBudgetStore(dir, { flushMs: 10, batchSize: 2 });
    const reader = openBudgetStore(dir, { flushMs: 0 });
    for (let i = 0; i < 7; i++) gate.charge([ask(b, { ...WHO, session: `s${i}` })], { calls: i + 1 });
    let seen: number[] = [];
    for (let i = 0; i < 200 && seen.length < 7; i++) {
      await new Promise((r) => setTimeout(r, 10));
      seen = (await reader.accounts({ budget: 'many' }, () => null)).map((v) => v.used.calls);
    }
    assert.deepEqual(
      seen.sort((x, y) => x - y),
      [1, 2, 3, 4, 5, 6, 7],
    );
    await gate.close();
    await reader.close();
  }));
