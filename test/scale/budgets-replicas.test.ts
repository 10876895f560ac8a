/**
 * Budgets and rate limits across replicas, with the real CLI: three `sluice start`
 * processes on three ports sharing one namespace on the machine's PostgreSQL and
 * Redis (`state: backend: postgres`), one session token hammered through all three at
 * once. A `calls: 100` budget allows exactly 100 (counted at the client and at the
 * upstream), the rest 429 `budget_exhausted`; a rate limit of 10 an hour, burst 10,
 * allows exactly 10 across the three. The fault: the gates on a redis-server of the
 * test's own, killed mid-load: every later request is refused 503 `state_unavailable`,
 * the upstream never sees more than the budget, and once Redis is back requests are
 * allowed again.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initDir, loopbackUpstream, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { waitFor } from '../helpers/cli-e2e.js';
import { startOwnRedis, type OwnRedis } from '../helpers/own-redis.js';
import { sharedState, type SharedState } from '../helpers/shared-state.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const BUDGET = 100;

interface Answer {
  status: number;
  error: string | null;
  reason: string;
}

/** `n` GETs of `url` through the gates (round robin), `concurrency` at a time, with `token`. */
async function hammer(gates: readonly CliGate[], token: string, url: string, n: number, concurrency: number, onEach?: (i: number) => void): Promise<Answer[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const auth = `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`;
  const out: Answer[] = new Array<Answer>(n);
  let next = 0;
  const one = (i: number): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const g = gates[i % gates.length]!;
      const req = httpRequest({ host: '127.0.0.1', port: g.port, method: 'GET', path: url, headers: { 'proxy-authorization': auth }, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          let error: string | null = null;
          let reason = '';
          if ((res.statusCode ?? 0) >= 400) {
            const j = JSON.parse(body) as { error: string; reason: string };
            error = j.error;
            reason = j.reason;
          }
          resolve({ status: res.statusCode ?? 0, error, reason });
        });
      });
      req.on('error', reject);
      req.end();
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await one(i);
        onEach?.(i);
      }
    }),
  );
  agent.destroy();
  return out;
}

const count = (as: readonly Answer[], status: number, error?: string): number =>
  as.filter((a) => a.status === status && (error === undefined || a.error === error)).length;

/** initDir with the rules and budget, then one config file per gate (its own control socket), all on `state`. */
async function replicaConfigs(state: Record<string, string>, n: number): Promise<{ d: InitDir; files: string[] }> {
  // Two rules (the second's host resolves to the loopback upstream too), the budget counting the first's calls.
  const d = await initDir(`  - id: limited
    hosts: [rl.upstream.test]
    rate_limit: { requests: 10, per: 1h, burst: 10, by: session }
${loopbackUpstream('upstream').replace('    api.upstream.test: 127.0.0.1\n', '    api.upstream.test: 127.0.0.1\n    rl.upstream.test: 127.0.0.1\n')}budgets:
  session-calls: { per: session, calls: ${BUDGET}, rules: [upstream] }
state:
${Object.entries(state)
  .map(([k, v]) => `  ${k}: ${v}`)
  .join('\n')}
`);
  const base = await readFile(d.configFile, 'utf8');
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = join(d.dir, `replica-${i}.yaml`);
    await writeFile(f, `${base}control:\n  socket: ${join(d.dir, `control-${i}.sock`)}\n`);
    files.push(f);
  }
  return { d, files };
}

async function tokenFor(configFile: string, session: string): Promise<string> {
  const r = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--session', session, '--config', configFile]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

describe('three replicas sharing PostgreSQL and Redis', () => {
  let shared: SharedState;
  let up: Upstream;
  let d: InitDir;
  let files: string[];
  const gates: CliGate[] = [];

  before(async () => {
    shared = await sharedState('replicas');
    up = await startUpstream();
    ({ d, files } = await replicaConfigs(shared.state, 3));
    for (const f of files) gates.push(await startCliGate(f));
    assert.equal(new Set(gates.map((g) => g.port)).size, 3);
  });
  after(async () => {
    for (const g of gates) await g.stop();
    await up?.close();
    if (d) await rm(dirname(d.dir), { recursive: true, force: true });
    await shared?.cleanup();
  });

  test(`a session with calls: ${BUDGET} hammered through all three at once: exactly ${BUDGET} allowed`, async () => {
    const token = await tokenFor(files[0]!, 'hammered');
    const seenBefore = up.seen.length;
    const answers = await hammer(gates, token, `http://api.upstream.test:${up.port}/hammer`, 360, 30);
    const upstreamSaw = up.seen.slice(seenBefore).filter((s) => s.url === '/hammer').length;
    console.log(
      `# ${answers.length} requests through 3 gates: ${count(answers, 200)} allowed, ${count(answers, 429, 'budget_exhausted')} budget_exhausted; upstream saw ${upstreamSaw}`,
    );
    assert.equal(count(answers, 200), BUDGET);
    assert.equal(upstreamSaw, BUDGET);
    assert.equal(count(answers, 429, 'budget_exhausted'), answers.length - BUDGET);
    const refusal = answers.find((a) => a.status === 429);
    assert.match(
      refusal?.reason ?? '',
      /^budget session-calls \(calls 100, per session, for its life, rules upstream\) is exhausted \(calls 100 of 100\) for session hammered/,
    );
    // Every replica refused some and allowed some: the budget is one, not three.
    for (let g = 0; g < 3; g++) {
      const mine = answers.filter((_, i) => i % 3 === g);
      assert.ok(mine.some((a) => a.status === 200) && mine.some((a) => a.status === 429), `replica ${g}`);
    }
    // `sluice budget show` (another process, the same config) reads the shared counter.
    const shown = await sluice(['budget', 'show', '--session', 'hammered', '--config', files[0]!]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^session-calls\tsession hammered \(tenant acme\)\tcalls 100\/100\tlife/m);
    // A raise from the CLI holds on every replica.
    const raised = await sluice(['budget', 'raise', 'session-calls', '--session', 'hammered', '--by', '3', '--config', files[0]!]);
    assert.equal(raised.code, 0, raised.stderr);
    const more = await hammer(gates, token, `http://api.upstream.test:${up.port}/hammer`, 30, 10);
    assert.equal(count(more, 200), 3);
  });

  // 10 an hour, not a minute: at 10 a minute a token comes back every 6 s, and the 90
  // requests of a loaded machine could span that (11 allowed, no fault of the gates).
  test('a rate limit of 10 an hour, burst 10, holds across the three', async () => {
    const token = await tokenFor(files[0]!, 'rated');
    const answers = await hammer(gates, token, `http://rl.upstream.test:${up.port}/rl`, 90, 30);
    console.log(`# 90 requests through 3 gates under 10/h: ${count(answers, 200)} allowed, ${count(answers, 429, 'rate_limited')} rate_limited`);
    assert.equal(count(answers, 200), 10);
    assert.equal(count(answers, 429, 'rate_limited'), 80);
  });
});

describe('Redis killed mid-load (redis_down: refuse)', () => {
  let shared: SharedState;
  let own: OwnRedis;
  let up: Upstream;
  let d: InitDir;
  let files: string[];
  const gates: CliGate[] = [];

  before(async () => {
    shared = await sharedState('redisdown');
    own = await startOwnRedis();
    up = await startUpstream();
    ({ d, files } = await replicaConfigs({ ...shared.state, redis: own.url }, 3));
    for (const f of files) gates.push(await startCliGate(f));
  });
  after(async () => {
    for (const g of gates) await g.stop();
    await up?.close();
    await own?.stop();
    if (d) await rm(dirname(d.dir), { recursive: true, force: true });
    await shared?.cleanup();
  });

  test('every request after the kill is refused 503 state_unavailable, none past the budget; Redis back: allowed again', async () => {
    const token = await tokenFor(files[0]!, 'faulted');
    const url = `http://api.upstream.test:${up.port}/fault`;
    const seen = (): number => up.seen.filter((s) => s.url === '/fault').length;
    let killedAfter = -1;
    const killing: Promise<void>[] = [];
    // Kill Redis once 40 answers are in; the load keeps going through all three gates.
    const answers = await hammer(gates, token, url, 300, 20, (i) => {
      if (killedAfter === -1 && i >= 40) {
        killedAfter = i;
        killing.push(own.kill());
      }
    });
    await Promise.all(killing);
    const allowed = count(answers, 200);
    const down = answers.filter((a) => a.status === 503);
    console.log(
      `# 300 requests, Redis killed mid-load: ${allowed} allowed, ${count(answers, 429)} budget refusals, ${down.length} state_unavailable; upstream saw ${seen()}`,
    );
    assert.ok(allowed <= BUDGET, `allowed ${allowed}`);
    assert.ok(seen() <= BUDGET, `upstream saw ${seen()}`);
    assert.equal(seen(), allowed);
    assert.ok(down.length > 0);
    assert.equal(allowed + down.length, 300, 'nothing but allowed and state_unavailable (the budget was never reached)');
    for (const a of down) {
      assert.equal(a.error, 'state_unavailable');
      assert.match(a.reason, /^the shared state \(Redis\) is unreachable: budgets cannot be counted \(.+\); refused \(state\.redis_down: refuse\)$/);
    }
    // Once the kill is seen, nothing is allowed: the last 100 answers are all refusals.
    assert.equal(count(answers.slice(200), 503), 100);

    // Still down: refused, and the upstream sees nothing more.
    const before = seen();
    const still = await hammer(gates, token, url, 30, 10);
    assert.equal(count(still, 503, 'state_unavailable'), 30);
    assert.equal(seen(), before);

    // Redis back (empty: no persistence): the gates reconnect and allow again.
    await own.start();
    const again = await waitFor(
      'requests allowed on every gate after Redis came back',
      async () => {
        const r = await hammer(gates, token, url, 6, 3);
        return r.every((a) => a.status === 200) ? r : undefined;
      },
      15_000,
      200,
    );
    assert.equal(again.length, 6);
  });
});

describe('Redis down with state.redis_down: allow', () => {
  let shared: SharedState;
  let own: OwnRedis;
  let up: Upstream;
  let d: InitDir;
  let files: string[];
  let gate: CliGate;

  before(async () => {
    shared = await sharedState('redisallow');
    own = await startOwnRedis();
    up = await startUpstream();
    ({ d, files } = await replicaConfigs({ ...shared.state, redis: own.url, redis_down: 'allow' }, 1));
    gate = await startCliGate(files[0]!);
  });
  after(async () => {
    await gate?.stop();
    await up?.close();
    await own?.stop();
    if (d) await rm(dirname(d.dir), { recursive: true, force: true });
    await shared?.cleanup();
  });

  test('requests are allowed uncounted, each record marked state_unavailable, the log says so once', async () => {
    const token = await tokenFor(files[0]!, 'lenient');
    await own.kill();
    const answers = await hammer([gate], token, `http://api.upstream.test:${up.port}/allow`, 20, 5);
    assert.equal(count(answers, 200), 20);
    assert.equal(up.seen.filter((s) => s.url === '/allow').length, 20);
    const logged = gate.logLines().filter((l) => typeof l.msg === 'string' && l.msg.includes('allowed uncounted (state.redis_down: allow)'));
    assert.equal(logged.length, 1, 'one line per 10 s');
    const records = await waitFor('20 marked audit records', async () => {
      const r = await sluice(['audit', 'query', '--json', '--session', 'lenient', '--config', files[0]!]);
      const rs = r.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { status: number; findings?: { type: string; detail?: string }[] });
      return rs.length >= 20 ? rs : undefined;
    });
    for (const r of records) {
      assert.equal(r.status, 200);
      assert.ok(
        r.findings?.some((f) => f.type === 'state_unavailable' && f.detail === 'budgets not counted: Redis unreachable, allowed (state.redis_down: allow)'),
      );
    }
  });
});
