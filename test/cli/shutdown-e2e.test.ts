/**
 * SIGTERM under load with the real `sluice start`: requests in flight to a slow
 * upstream finish (their clients get the whole response, with `connection: close`),
 * every request has its record in audit.db afterwards, and the gate exits 0. A second
 * signal exits at once; a request still running at the drain timeout is ended with a
 * 503 `shutting_down` and its record says so.
 */
import assert from 'node:assert/strict';
import { createServer, request, Agent, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, waitFor, waitForStderr } from '../helpers/cli-e2e.js';

const BODY = 'x'.repeat(64 * 1024);

describe('graceful shutdown of sluice start', () => {
  let upstream: Server;
  let port = 0;
  const held: ServerResponse[] = [];
  const gates: CliGate[] = [];

  before(async () => {
    upstream = createServer((req, res) => {
      if (req.url?.startsWith('/slow/')) held.push(res);
      else res.end('ok');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
  });
  after(async () => {
    for (const g of gates) await g.stop('SIGKILL');
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  const start = async (drain: string): Promise<{ d: InitDir; gate: CliGate; auth: string }> => {
    const d = await initDir(`  - id: upstream
    hosts: [api.upstream.test]
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
timeouts:
  drain: ${drain}
`);
    const gate = await startCliGate(d.configFile);
    gates.push(gate);
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'worker', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    return { d, gate, auth: `Basic ${Buffer.from(`sluice:${r.stdout.trim()}`).toString('base64')}` };
  };
  const get = (gate: CliGate, auth: string, path: string, agent: Agent): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> =>
    new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: gate.port,
        path: `http://api.upstream.test:${port}${path}`,
        headers: { 'proxy-authorization': auth },
        agent,
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  test('SIGTERM: in-flight requests finish, every one is recorded, idle connections close, exit 0', async () => {
    const { d, gate, auth } = await start('60s');
    const agent = new Agent({ keepAlive: true, maxSockets: 40 });
    // Idle keep-alive connections: closed at once by the drain.
    await Promise.all(Array.from({ length: 5 }, (_, i) => get(gate, auth, `/warm/${i}`, agent)));
    const paths = Array.from({ length: 20 }, (_, i) => `/slow/${i}`);
    const pending = paths.map((p) => get(gate, auth, p, agent));
    await waitFor('20 requests held upstream', () => (held.length === 20 ? true : undefined), 10_000);
    const from = gate.stderr().length;
    const stopped = gate.stop('SIGTERM', 60_000);
    await waitForStderr(gate, /"msg":"draining/, from);
    // The idle keep-alive connections are closed by the gate while the 20 are still held.
    await waitFor('the idle connections to be closed', () => (Object.values(agent.freeSockets).flat().length === 0 ? true : undefined), 10_000);
    assert.equal(held.length, 20);
    // Only now does the upstream answer: each response is written while the gate drains.
    for (const r of held.splice(0)) {
      r.write(BODY);
      r.end(BODY);
    }
    const answers = await Promise.all(pending);
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.equal(a.body.length, 2 * BODY.length);
      assert.equal(a.headers.connection, 'close');
    }
    const { code, signal } = await stopped;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, gate.stderr());
    agent.destroy();
    const records = await auditQuery(d.configFile, ['--limit', '1000']);
    for (const p of paths) {
      const r = records.find((x) => x.path === p);
      assert.ok(r, `no audit record for ${p}`);
      assert.equal(r.outcome, 'allow');
      assert.equal(r.status, 200);
    }
    assert.match(gate.stderr(), /"msg":"drained"/);
    const drained = gate.logLines().find((l) => l.msg === 'drained');
    console.log(`# drain: ${String(drained?.in_flight)} in flight, drained in ${String(drained?.drain_ms)} ms after the upstream answered`);
  });

  test('a second SIGTERM exits at once, without waiting for the drain', async () => {
    const { gate, auth } = await start('60s');
    const agent = new Agent({ keepAlive: false });
    const pending = get(gate, auth, '/slow/never', agent).catch((err: Error) => err);
    await waitFor('the request held upstream', () => (held.length === 1 ? true : undefined), 10_000);
    const from = gate.stderr().length;
    gate.child.kill('SIGTERM');
    await waitForStderr(gate, /"msg":"draining/, from);
    // The held request never finishes: only the second signal can end the gate before the 60 s drain.
    const { code, signal } = await gate.stop('SIGTERM', 20_000);
    assert.deepEqual({ code, signal }, { code: 143, signal: null });
    assert.ok((await pending) instanceof Error);
    held.splice(0).forEach((r) => r.destroy());
  });

  test('a request still in flight at the drain timeout gets 503 shutting_down, and its record says so', async () => {
    const { d, gate, auth } = await start('1s');
    const agent = new Agent({ keepAlive: false });
    const pending = get(gate, auth, '/slow/forever', agent);
    await waitFor('the request held upstream', () => (held.length === 1 ? true : undefined), 10_000);
    const stopped = gate.stop('SIGTERM', 20_000);
    const a = await pending;
    assert.equal(a.status, 503);
    const body = JSON.parse(a.body) as { error: string; reason: string };
    assert.equal(body.error, 'shutting_down');
    assert.match(body.reason, /\(timeouts\.drain 1s\)/, 'the drain timeout as the config says it, not in ms');
    assert.deepEqual(await stopped, { code: 0, signal: null });
    held.splice(0).forEach((r) => r.destroy());
    const r = (await auditQuery(d.configFile, ['--limit', '100'])).find((x) => x.path === '/slow/forever');
    assert.ok(r, 'no audit record for the request ended at the drain timeout');
    assert.equal(r.outcome, 'deny');
    assert.equal(r.reason, 'shutting_down');
    assert.equal(r.error, 'drain_timeout');
  });
});
