/**
 * Budgets with the real CLI: a gate from `sluice start`, curl as the agent, and `sluice
 * budget show|raise` from other processes. A `pause` budget pauses its session until an
 * operator raises it; what was counted survives a gate restart (SIGTERM, and kill -9
 * after a batch was written); `sluice audit query --reason` finds the refusals.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exec } from '../helpers/exec.js';
import { initDir, loopbackUpstream, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, CURL_STATUS, splitCurl, waitFor } from '../helpers/cli-e2e.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

describe('sluice budget: pause, raise from another process, restart', () => {
  let up: Upstream;
  let d: InitDir;
  let gate: CliGate;
  const tokens: Record<string, string> = {};

  before(async () => {
    up = await startUpstream();
    d = await initDir(`${loopbackUpstream('upstream')}budgets:
  paused-calls: { per: session, calls: 2, on_exhausted: pause }
  agent-writes: { per: agent, writes: 5 }
`);
    gate = await startCliGate(d.configFile);
    for (const session of ['s-pause', 's-restart', 's-kill']) {
      const r = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--session', session, '--config', d.configFile]);
      assert.equal(r.code, 0, r.stderr);
      tokens[session] = r.stdout.trim();
    }
  });
  after(async () => {
    await gate?.stop();
    await up?.close();
    if (d) await rm(dirname(d.dir), { recursive: true, force: true });
  });

  /** curl through the gate as `session`. */
  const get = async (session: string): Promise<{ status: number; body: string }> =>
    splitCurl(
      await exec('curl', ['-sS', ...CURL_STATUS, '-x', `http://sluice:${tokens[session]}@127.0.0.1:${gate.port}`, `http://api.upstream.test:${up.port}/`], {
        env: { ...process.env, NO_PROXY: '', no_proxy: '' },
      }),
    );
  const budget = async (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    sluice(['budget', ...args, '--config', d.configFile]);

  test('pause: the third call pauses the session (429 budget_paused); raise --by 2 resumes it for two more', async () => {
    assert.equal((await get('s-pause')).status, 200);
    assert.equal((await get('s-pause')).status, 200);
    const r = await get('s-pause');
    assert.equal(r.status, 429);
    const body = JSON.parse(r.body) as { error: string; reason: string; budget: Record<string, unknown> };
    assert.equal(body.error, 'budget_paused');
    assert.deepEqual(body.budget, { name: 'paused-calls', per: 'session', metric: 'calls', limit: 2, used: 2, resets_at: null, state: 'paused' });
    assert.match(body.reason, /session s-pause is paused until an operator raises it \(sluice budget raise paused-calls\)$/);
    // Still paused, whatever is asked.
    assert.equal((await get('s-pause')).status, 429);

    const shown = await budget('show', '--session', 's-pause');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^paused-calls\tsession s-pause \(tenant acme\)\tcalls 2\/2\tlife\tPAUSED since \S+ \(calls\)$/m);

    const raised = await budget('raise', 'paused-calls', '--session', 's-pause', '--by', '2');
    assert.equal(raised.code, 0, raised.stderr);
    assert.equal(raised.stdout, 'raised budget paused-calls for session s-pause (tenant acme): calls limit 4; no longer paused\n');
    assert.equal((await get('s-pause')).status, 200);
    assert.equal((await get('s-pause')).status, 200);
    const again = await get('s-pause');
    assert.equal(again.status, 429);
    assert.equal((JSON.parse(again.body) as { budget: { limit: number } }).budget.limit, 4);

    const json = JSON.parse((await budget('show', '--session', 's-pause', '--json')).stdout) as { metrics: { calls: unknown }; paused_at: string | null }[];
    assert.deepEqual(
      json.map((a) => a.metrics.calls),
      [{ used: 4, limit: 4 }],
    );
    assert.notEqual(json[0]?.paused_at, null);

    // The refusals are in the audit trail with the budget's name.
    const paused = await waitFor('paused records', async () => {
      const rs = await auditQuery(d.configFile, ['--reason', 'budget_paused', '--session', 's-pause']);
      return rs.length >= 3 ? rs : undefined;
    });
    assert.ok(paused.every((x) => x.budget === 'paused-calls' && x.status === 429));
    // --budget finds the refusals and the calls counted in it (several budgets: comma-separated).
    const all = await auditQuery(d.configFile, ['--budget', 'paused-calls', '--session', 's-pause']);
    assert.equal(all.length, 7);
    assert.deepEqual([...new Set(all.map((x) => x.budget))].sort(), ['paused-calls', 'paused-calls,agent-writes']);
    assert.equal((await auditQuery(d.configFile, ['--budget', 'paused', '--session', 's-pause'])).length, 0);
  });

  test('explain names the budgets a request counts in (text and --json)', async () => {
    const url = `http://api.upstream.test:${up.port}/`;
    const r = await sluice(['explain', '--config', d.configFile, '--agent', 'bot', 'POST', url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^budget: budget paused-calls \(calls 2, per session, for its life, pauses when exhausted\)\nbudget: budget agent-writes \(writes 5, per agent, for its life\)\npolicy: /m,
    );
    const j = JSON.parse((await sluice(['explain', '--config', d.configFile, '--json', 'GET', url])).stdout) as { budgets: unknown };
    assert.deepEqual(j.budgets, {
      budgets: [
        { name: 'paused-calls', per: 'session', window: null, on_exhausted: 'pause', limits: { calls: 2 } },
        { name: 'agent-writes', per: 'agent', window: null, on_exhausted: 'refuse', limits: { writes: 5 } },
      ],
      llm: null,
    });
  });

  test('raise refuses what it cannot apply, with a message', async () => {
    const unknown = await budget('raise', 'nope', '--session', 's-pause', '--by', '1');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no budget named 'nope' in the config; budgets are: paused-calls, agent-writes/);
    const wrongScope = await budget('raise', 'agent-writes', '--session', 's-pause', '--by', '1');
    assert.match(wrongScope.stderr, /budget agent-writes counts per agent: name the account with --agent/);
    const both = await budget('raise', 'paused-calls', '--session', 's-pause', '--by', '1', '--to', '3');
    assert.match(both.stderr, /give exactly one of --by and --to/);
    const bad = await budget('raise', 'paused-calls', '--session', 's-pause', '--by', 'lots');
    assert.match(bad.stderr, /--by\/--to: expected a whole number, 0 or more of calls; got 'lots'/);
  });

  test('what was counted survives a restart (SIGTERM), and a kill -9 after the batch was written', async () => {
    assert.equal((await get('s-restart')).status, 200);
    await gate.stop();
    gate = await startCliGate(d.configFile);
    assert.equal((await get('s-restart')).status, 200);
    assert.equal((await get('s-restart')).status, 429);

    assert.equal((await get('s-kill')).status, 200);
    assert.equal((await get('s-kill')).status, 200);
    // Paused: written at once, not batched; the counts reach state.db within the batch interval.
    assert.equal((await get('s-kill')).status, 429);
    await waitFor('the batch written', async () => {
      const shown = await budget('show', '--session', 's-kill');
      return /calls 2\/2/.test(shown.stdout) ? true : undefined;
    });
    await gate.stop('SIGKILL');
    gate = await startCliGate(d.configFile);
    const r = await get('s-kill');
    assert.equal(r.status, 429);
    assert.equal((JSON.parse(r.body) as { error: string }).error, 'budget_paused');
  });
});
