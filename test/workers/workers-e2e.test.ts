/**
 * `workers: 2` through the real `sluice start` (issue #19): both workers answer on the
 * one port (each writes its own audit chain, and its own journal segments named by its
 * pid), a revocation reaches both, a `sluice run` alias minted by worker 0's control
 * socket is honoured by worker 1, and a worker killed with SIGKILL is replaced with no
 * answered request's record lost.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initDir, loopbackUpstream, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, waitFor } from '../helpers/cli-e2e.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { fresh, recordOf, workerPids, type Answer } from './helpers.js';

describe('workers: 2 under sluice start', () => {
  let up: Upstream;
  let d: InitDir;
  let gate: CliGate;
  let token = '';
  const answered: Answer[] = [];

  before(async () => {
    up = await startUpstream();
    d = await initDir(`${loopbackUpstream('up')}workers: 2\n`);
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--ttl', '1h', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    token = r.stdout.trim();
    gate = await startCliGate(d.configFile, { timeoutMs: 90_000 });
  });
  after(async () => {
    await gate?.stop('SIGTERM', 20_000);
    await up?.close();
  });

  /** Requests on new connections until both workers' chains answered (the kernel picks the worker). */
  async function untilBothAnswer(auth: string, label: string): Promise<{ answers: Answer[]; chains: Set<string> }> {
    const answers: Answer[] = [];
    const chains = new Set<string>();
    for (let round = 0; round < 40 && chains.size < 2; round++) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, i) => fresh(gate.port, auth, `http://api.upstream.test:${up.port}/${label}-${round}-${i}`)),
      );
      answers.push(...batch);
      const records = await waitFor(
        'the batch in audit.db',
        async () => {
          const all = await auditQuery(d.configFile, ['--limit', '100000']);
          const rs = batch.map((a) => all.find((r) => recordOf(a, r)));
          return rs.every((r) => r !== undefined) ? rs : undefined;
        },
        30_000,
        100,
      );
      for (const r of records) if (r?.chain_id) chains.add(r.chain_id);
    }
    return { answers, chains };
  }

  test('both workers answer on the one port: two chains, two pids in the journal', async () => {
    // The primary's log line may reach stderr a moment after the listening line on stdout.
    const pids = await waitFor('both workers listening in the log', () => (workerPids(gate).size === 2 ? workerPids(gate) : undefined), 10_000);
    assert.ok(!pids.has(gate.child.pid!), 'the primary serves nothing itself');
    const { answers, chains } = await untilBothAnswer(`Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`, 'both');
    answered.push(...answers);
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(chains.size, 2, 'each worker keeps its own chain');
    // Each worker journals under its own pid (audit/journal.ts names segments by pid).
    const journaled = new Set(readdirSync(join(d.dir, 'audit-journal')).map((f) => Number(/^seg-\d+-(\d+)-/.exec(f)?.[1])));
    assert.deepEqual([...journaled].sort(), [...pids.keys()].sort());
  });

  test('a run alias minted by worker 0 is honoured by worker 1', async () => {
    const chains = new Set<string>();
    // A new connection per curl: the kernel spreads them; again until both workers took some.
    for (let run = 0; run < 4 && chains.size < 2; run++) {
      const urls = Array.from({ length: 16 }, (_, i) => `http://api.upstream.test:${up.port}/run${run}-${i}`);
      const script = urls.map((u) => `curl -s -o /dev/null -w '%{http_code}\\n' ${u}`).join('; ');
      const r = await sluice(['run', '--config', d.configFile, '--gate', gate.address, '--agent', 'runner', '--', 'sh', '-c', script], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        r.stdout.trim().split('\n'),
        urls.map(() => '200'),
        'every request with the alias was let through',
      );
      const records = await waitFor(
        'the run records',
        async () => {
          const rs = (await auditQuery(d.configFile, ['--agent', 'runner', '--limit', '100000'])).filter((x) => x.path?.startsWith(`/run${run}-`));
          return rs.length === urls.length ? rs : undefined;
        },
        30_000,
        100,
      );
      for (const x of records) if (x.chain_id) chains.add(x.chain_id);
    }
    assert.equal(chains.size, 2, 'both workers served the run');
  });

  test('a revocation reaches both workers', async () => {
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'doomed', '--ttl', '1h', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    const auth = `Basic ${Buffer.from(`sluice:${r.stdout.trim()}`).toString('base64')}`;
    const ok = await fresh(gate.port, auth, `http://api.upstream.test:${up.port}/doomed-before`);
    assert.equal(ok.status, 200);
    const rv = await sluice(['revoke', '--agent', 'doomed', '--tenant', 'acme', '--config', d.configFile]);
    assert.equal(rv.code, 0, rv.stderr);
    const { answers, chains } = await untilBothAnswer(auth, 'doomed');
    assert.equal(chains.size, 2, 'both workers refused');
    for (const a of answers) assert.equal(a.status, 403, `revoked identity answered ${a.status} (${a.body})`);
    assert.ok(answers.every((a) => a.body.includes('identity_revoked')));
  });

  test('a worker killed with SIGKILL is replaced, and no answered request loses its record', async () => {
    const auth = `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`;
    // Worker 1: worker 0 holds the control socket the other tests do not need again.
    const victim = [...workerPids(gate)].find(([, index]) => index === 1)![0];
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        // A request the kill cut short has no answer (ECONNRESET): only answered ones count.
        const batch = await Promise.all(
          Array.from({ length: 4 }, (_, j) => fresh(gate.port, auth, `http://api.upstream.test:${up.port}/kill-${i}-${j}`).catch(() => null)),
        );
        for (const a of batch) if (a?.status === 200) answered.push(a);
      }
    })();
    await waitFor('requests before the kill', () => (answered.length > 80 ? true : undefined), 60_000);
    process.kill(victim, 'SIGKILL');
    await waitFor('a new worker listening', () => (workerPids(gate).size === 3 ? true : undefined), 90_000, 100);
    const before = answered.length;
    await waitFor('requests after the restart', () => (answered.length > before + 20 ? true : undefined), 60_000);
    stop = true;
    await load;
    assert.match(gate.stderr(), /worker died: starting another in its place/);
    const want = new Set(answered.map((a) => a.path));
    let gone: string[] = [];
    await waitFor(
      'every answered request in audit.db',
      async () => {
        const have = new Set((await auditQuery(d.configFile, ['--limit', '100000'])).map((r) => r.path));
        gone = [...want].filter((id) => !have.has(id));
        return gone.length === 0 ? true : undefined;
      },
      30_000,
      250,
    ).catch(() => undefined);
    const replayed = gate.logLines().filter((l) => String(l.msg).startsWith('audit journal replayed'));
    assert.deepEqual(gone, [], `${gone.length} of ${want.size} answered requests have no audit record; replays: ${JSON.stringify(replayed)}`);
  });

  test('SIGHUP to the primary reaches every worker (each answers for its reload)', async () => {
    const from = gate.stderr().length;
    const live = [...workerPids(gate).keys()].filter((p) => p !== gate.child.pid);
    gate.child.kill('SIGHUP');
    const said = (): number => gate.stderr().slice(from).split('config unchanged (SIGHUP)').length - 1;
    await waitFor('both workers to answer the SIGHUP', () => (said() >= 2 ? true : undefined), 30_000, 100);
    assert.equal(said(), 2, `${live.length} live worker pids seen; each answers once`);
    assert.equal(gate.child.exitCode, null, 'the primary survived its SIGHUP');
  });

  test('SIGTERM to the primary stops every worker, and it exits 0', async () => {
    const pids = [...workerPids(gate).keys()];
    const { code } = await gate.stop('SIGTERM', 60_000);
    assert.equal(code, 0, gate.stderr());
    const alive = pids.filter((p) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, [], 'a worker outlived the primary');
    assert.match(gate.stderr(), /stopping: telling every worker/);
  });
});
