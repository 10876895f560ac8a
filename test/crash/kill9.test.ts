/**
 * Audit durability across `kill -9` (issue #11): a steady load of requests with unique
 * paths (GETs, and credentialed POSTs held a little at the upstream so that some are
 * always in flight) runs through the real `sluice start`, which is killed with SIGKILL
 * at a random moment, restarted, and killed again, KILLS times. Afterwards every
 * request the client saw answered, and every request that reached the upstream, has
 * its record in audit.db (the journal replayed at each start; an exchange cut by the
 * kill is recorded as `gate_interrupted`).
 *
 * Also `npm run test:crash` (more kills with CRASH_KILLS=N).
 */
import assert from 'node:assert/strict';
import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, waitFor } from '../helpers/cli-e2e.js';

const KILLS = Number(process.env.CRASH_KILLS ?? 10);
const CLIENTS = 12;
const CANARY = `crash-canary-${Math.random().toString(36).slice(2)}`;

describe(`audit across kill -9 (${KILLS} kills)`, () => {
  let upstream: Server;
  let port = 0;
  let d: InitDir;
  let auth = '';
  /** Paths the upstream received (before it answered). */
  const reached = new Set<string>();
  /** Paths the client got a complete answer for (any status). */
  const answered = new Set<string>();
  let credentialSeen = 0;
  const gates: CliGate[] = [];

  before(async () => {
    upstream = createServer((req, res) => {
      reached.add(req.url ?? '');
      if (req.headers.authorization === `Bearer ${CANARY}`) credentialSeen++;
      req.resume();
      req.on('end', () => {
        // POSTs linger a little, so the kill finds some in flight past the upstream.
        if (req.method === 'POST') setTimeout(() => res.end('stored'), Math.floor(Math.random() * 30));
        else res.end('ok');
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    d = await initDir(`  - id: read
    hosts: [api.crash.test]
    methods: [GET]
  - id: write
    hosts: [api.crash.test]
    methods: [POST]
    paths: ["/post/**"]
    credential:
      secret: crash_token
      header: authorization
      value: "Bearer {{secret}}"
      allow_plaintext: true
dns:
  hosts:
    api.crash.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
`);
    const set = await sluice(['secret', 'set', 'crash_token', '--config', d.configFile], { input: `${CANARY}\n` });
    assert.equal(set.code, 0, set.stderr);
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'worker', '--ttl', '1h', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    auth = `Basic ${Buffer.from(`sluice:${r.stdout.trim()}`).toString('base64')}`;
  });
  after(async () => {
    for (const g of gates) await g.stop('SIGKILL');
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  /** One request; resolves true when the answer came back whole. */
  const send = (gate: CliGate, agent: Agent, method: 'GET' | 'POST', path: string): Promise<boolean> =>
    new Promise((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: gate.port,
        method,
        path: `http://api.crash.test:${port}${path}`,
        headers: { 'proxy-authorization': auth },
        agent,
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => {
          if (res.complete) answered.add(path);
          resolve(res.complete);
        });
        res.on('error', () => resolve(false));
      });
      req.on('error', () => resolve(false));
      req.end(method === 'POST' ? `{"n":"${path}"}` : undefined);
    });

  test('every answered request and every request that reached the upstream has its record', async () => {
    const perKill: { answered: number; reached: number }[] = [];
    for (let k = 0; k < KILLS; k++) {
      const gate = await startCliGate(d.configFile);
      gates.push(gate);
      const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
      const before = { answered: answered.size, reached: reached.size };
      let stop = false;
      let n = 0;
      const loops = Array.from({ length: CLIENTS }, async (_, c) => {
        while (!stop) {
          const i = n++;
          const ok = await send(gate, agent, c % 3 === 0 ? 'POST' : 'GET', `/${c % 3 === 0 ? 'post' : 'get'}/${k}/${i}`);
          if (!ok) break;
        }
      });
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
      // A random moment, but not before this gate has served: on a loaded machine a fresh
      // gate may answer nothing in the first second, and 'the load did not run' below
      // would then be about the machine, not the gate (a bounded wait, not a sleep).
      await waitFor('answers from this gate before its kill', () => (answered.size - before.answered >= CLIENTS ? true : undefined), 60_000);
      gate.child.kill('SIGKILL');
      await gate.stop('SIGKILL');
      stop = true;
      await Promise.all(loops);
      agent.destroy();
      perKill.push({ answered: answered.size - before.answered, reached: reached.size - before.reached });
    }
    // A clean start replays what the last kill left, then a clean stop flushes it all.
    const last = await startCliGate(d.configFile);
    gates.push(last);
    assert.deepEqual(await last.stop('SIGTERM', 30_000), { code: 0, signal: null }, last.stderr());

    const records = await auditQuery(d.configFile, ['--limit', '1000000']);
    const byPath = new Map(records.map((r) => [r.path, r]));
    const lostAnswered = [...answered].filter((p) => !byPath.has(p));
    const lostReached = [...reached].filter((p) => !byPath.has(p));
    const interrupted = records.filter((r) => r.error === 'gate_interrupted').length;
    console.log(
      `# ${KILLS} kills: ${answered.size} answered, ${reached.size} reached the upstream (${credentialSeen} with the credential), ${records.length} records, ${interrupted} gate_interrupted; lost: ${lostAnswered.length} answered, ${lostReached.length} reached`,
    );
    console.log(`# per kill (answered/reached): ${perKill.map((p) => `${p.answered}/${p.reached}`).join(' ')}`);
    assert.ok(answered.size > KILLS * 10, 'the load did not run');
    assert.ok(credentialSeen > 0, 'no credentialed POST reached the upstream');
    assert.deepEqual(lostAnswered.slice(0, 10), [], `${lostAnswered.length} answered requests have no record`);
    assert.deepEqual(lostReached.slice(0, 10), [], `${lostReached.length} requests that reached the upstream have no record`);
    // Every credentialed POST that reached the upstream is on record with its credential.
    for (const p of reached) if (p.startsWith('/post/')) assert.equal(byPath.get(p)?.credential, 'crash_token', p);
    // The canary never reaches the audit trail.
    assert.ok(!JSON.stringify(records).includes(CANARY));
  });
});
