/**
 * One token holder floods a real `sluice start` gate: many connections, each writing
 * hundreds of pipelined requests in one write, while the upstream holds every request
 * that gets through. The flood is answered 503 `overloaded` (Retry-After, deny
 * contract, audited), the gate stays up with its peak resident memory under the
 * configured guard, and another identity is served while the flood's requests are held.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, request, Agent, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, waitFor } from '../helpers/cli-e2e.js';

const CONNECTIONS = 60;
const PIPELINED = 300;
const GUARD_BYTES = 384 * 1024 * 1024;

describe('overload: a pipelining and connection flood from one token', () => {
  let d: InitDir;
  let gate: CliGate;
  let upstream: Server;
  let port = 0;
  const held: ServerResponse[] = [];
  let release = false;
  const agentB = new Agent({ keepAlive: true, maxSockets: 1 });

  before(async () => {
    upstream = createServer((req, res) => {
      if (req.url?.startsWith('/a/') && !release) held.push(res);
      else res.end('ok');
    });
    upstream.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    d = await initDir(`  - id: upstream
    hosts: [api.upstream.test]
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
limits:
  max_connections_per_identity: 20
  max_in_flight_per_identity: 32
  max_pipelined_per_connection: 8
  max_memory_bytes: ${GUARD_BYTES}
`);
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    agentB.destroy();
    await gate?.stop();
    upstream?.closeAllConnections();
    await new Promise((r) => upstream?.close(r));
  });

  const token = async (agent: string): Promise<string> => {
    const r = await sluice(['token', '--tenant', 'acme', '--agent', agent, '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    return `Basic ${Buffer.from(`sluice:${r.stdout.trim()}`).toString('base64')}`;
  };
  const getB = (auth: string, path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: gate.port,
        path: `http://api.upstream.test:${port}${path}`,
        headers: { 'proxy-authorization': auth },
        agent: agentB,
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  /** One flood connection: every request in one write; resolves with all it got back once the gate closes it. */
  const flood = (auth: string, i: number): Promise<string> =>
    new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port: gate.port });
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('error', () => undefined);
      s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      let text = '';
      for (let j = 0; j < PIPELINED; j++)
        text += `GET http://api.upstream.test:${port}/a/${i}/${j} HTTP/1.1\r\nhost: api.upstream.test:${port}\r\nproxy-authorization: ${auth}\r\n\r\n`;
      s.write(text);
      // Bounded: a connection the gate never closes fails the test below instead of hanging it.
      s.setTimeout(30_000, () => s.destroy());
    });

  test('the flood gets 503 overloaded, the gate stays under its memory guard, another identity is served meanwhile', async () => {
    const authA = await token('flooder');
    const authB = await token('bystander');
    assert.equal((await getB(authB, '/b/warm')).status, 200);

    const floods = Array.from({ length: CONNECTIONS }, (_, i) => flood(authA, i));
    // The flood's admitted requests are now held upstream: the identity's in-flight bound is reached.
    await waitFor('the flood to reach the upstream', () => (held.length >= 32 ? true : undefined), 20_000);
    // Another identity, on its connection and on a new one, while the flood is held.
    assert.equal((await getB(authB, '/b/during')).status, 200);
    const fresh = new Agent({ keepAlive: false });
    const onNew = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: gate.port,
        path: `http://api.upstream.test:${port}/b/new`,
        headers: { 'proxy-authorization': authB },
        agent: fresh,
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(onNew, 200);
    assert.ok(held.length <= 32, `the upstream holds ${held.length} requests of one identity; the bound is 32`);

    release = true;
    for (const r of held.splice(0)) r.end('ok');
    const answers = await Promise.all(floods);

    let overloaded = 0;
    let ok = 0;
    answers.forEach((text, i) => {
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      assert.ok(statuses.length <= 8 + 1, `connection ${i} got ${statuses.length} answers for ${PIPELINED} pipelined requests`);
      assert.ok(statuses.includes(503), `connection ${i} got no 503: ${statuses.join(',')}`);
      overloaded += (text.match(/"error":"overloaded"/g) ?? []).length;
      ok += statuses.filter((s) => s === 200).length;
    });
    assert.ok(overloaded >= CONNECTIONS, `${overloaded} overloaded answers for ${CONNECTIONS} flood connections`);
    assert.match(
      answers.find((t) => t.includes('503'))!,
      /retry-after: \d+/i,
    );

    // Still alive and serving, under the guard.
    assert.equal(gate.child.exitCode, null);
    assert.equal((await getB(authB, '/b/after')).status, 200);
    const status = await readFile(`/proc/${gate.child.pid}/status`, 'utf8');
    const peak = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
    assert.ok(peak < GUARD_BYTES, `gate peak RSS ${peak} over the guard ${GUARD_BYTES}`);
    console.log(`# flood: ${CONNECTIONS}x${PIPELINED} pipelined, ${ok} served, ${overloaded} overloaded, gate peak RSS ${(peak / 1048576).toFixed(1)} MiB`);

    // Every overloaded answer has its record.
    const records = await waitFor(
      'the overloaded records',
      async () => {
        const rs = (await auditQuery(d.configFile, ['--limit', '100000'])).filter((r) => r.reason === 'overloaded');
        return rs.length >= overloaded ? rs : undefined;
      },
      10_000,
      200,
    );
    assert.ok(records.every((r) => r.status === 503 && r.outcome === 'deny'));
  });
});
