/**
 * `workers:` at load: what cannot be shared by several processes on the embedded
 * state is refused with the setting named (never a gate that counts a limit N times),
 * and `workers: 1` (the default) runs the gate in this one process, as before.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { initDir, loopbackUpstream, sluice, startCliGate, type CliGate } from '../helpers/cli.js';
import { configSchema } from '../../src/config/schema.js';
import { workersProblems } from '../../src/config/workers-section.js';

const BUDGET = `budgets:\n  calls: { per: session, calls: 10 }\n`;

describe('workers: refused where the embedded state cannot be shared', () => {
  const cases: { name: string; yaml: string; says: RegExp }[] = [
    {
      name: 'budgets',
      yaml: `${loopbackUpstream('up')}${BUDGET}workers: 2\n`,
      says: /workers: 2 needs state\.backend: postgres \(with redis\) for budgets \(calls\)/,
    },
    {
      name: "a rule's rate_limit",
      yaml: `${loopbackUpstream('up', '    rate_limit: { requests: 5, per: 1m }\n')}workers: 3\n`,
      says: /workers: 3 needs state\.backend: postgres \(with redis\) for the rate_limit of rule up/,
    },
    {
      name: 'rate_limits.per_identity',
      yaml: `${loopbackUpstream('up')}rate_limits:\n  per_identity: { requests: 5, per: 1m }\nworkers: 2\n`,
      says: /for rate_limits\.per_identity: with the embedded state\.db each worker counts these in its own memory/,
    },
    {
      name: 'audit.jsonl: stdout',
      yaml: `${loopbackUpstream('up')}audit:\n  jsonl: stdout\nworkers: 2\n`,
      says: /audit\.jsonl: stdout cannot be shared by workers: 2/,
    },
    { name: 'workers: 0', yaml: `${loopbackUpstream('up')}workers: 0\n`, says: /workers.*expected a whole number from 1 to 256 \(processes\); got 0/ },
  ];
  for (const c of cases) {
    test(`sluice start refuses ${c.name}, naming the line`, async () => {
      const d = await initDir(c.yaml);
      const r = await sluice(['start', '--config', d.configFile, '--listen', '127.0.0.1:0']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /invalid config/);
      assert.match(r.stderr, c.says);
      assert.match(r.stderr, /sluice\.yaml:\d+/);
    });
  }

  test('the same limits are accepted with one worker, or with the shared backend', () => {
    const limited = { version: 1, budgets: { b: { per: 'session', calls: 10 } }, rate_limits: { per_host: { requests: 1, per: '1s' } } };
    assert.deepEqual(workersProblems(configSchema.parse({ ...limited, workers: 1 })), []);
    const shared = { backend: 'postgres', postgres: 'postgres://db/sluice', redis: 'redis://cache:6379' };
    assert.deepEqual(workersProblems(configSchema.parse({ ...limited, workers: 4, state: shared })), []);
    assert.equal(configSchema.parse({ version: 1 }).workers, 1);
    assert.equal(configSchema.safeParse({ ...limited, workers: 2 }).success, false);
  });
});

describe('workers: 1 is the gate alone', () => {
  let gate: CliGate | undefined;
  after(async () => {
    await gate?.stop('SIGTERM', 20_000);
  });

  test('no process besides the gate (the default and an explicit 1)', async () => {
    for (const yaml of ['', 'workers: 1\n']) {
      const d = await initDir(`${loopbackUpstream('up')}${yaml}`);
      gate = await startCliGate(d.configFile, { timeoutMs: 60_000 });
      const pid = gate.child.pid!;
      const children = readdirChildren(pid);
      assert.deepEqual(children, [], `sluice start (${yaml || 'default'}) forked ${children.join(', ')}`);
      assert.doesNotMatch(gate.stderr(), /worker started/);
      await gate.stop('SIGTERM', 20_000);
    }
  });
});

/** The child processes of `pid`, forked by any of its threads (its worker_threads are threads, not children). */
function readdirChildren(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((t) => {
    const list = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
    return list === '' ? [] : list.split(/\s+/).map(Number);
  });
}
