import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { rawExchange, parseRawResponse } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/** One request through the proxy with Node's http client (absolute-form). */
function viaProxy(
  gate: TestGate,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; socketReused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: gate.port,
        method: opts.method ?? 'GET',
        path: url,
        headers: { 'proxy-authorization': gate.auth, ...opts.headers },
        agent: opts.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), socketReused: req.reusedSocket }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('plain HTTP forward proxy', () => {
  let up: Upstream;
  let g: TestGate;
  let origin: string;
  before(async () => {
    up = await startUpstream();
    origin = `http://api.upstream.test:${up.port}`;
    g = await startTestGate(`
dns:
  hosts:
    api.upstream.test: 127.0.0.1
    other.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: upstream
    hosts: [api.upstream.test]
`);
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  test('an allowed host gets the upstream body and one allow audit record', async () => {
    const r = await viaProxy(g, `${origin}/hello`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello from upstream\n');
    const rec = g.audit.records.at(-1)!;
    assert.equal(rec.outcome, 'allow');
    assert.equal(rec.rule, 'upstream');
    assert.equal(rec.host, 'api.upstream.test');
    assert.equal(rec.port, up.port);
    assert.equal(rec.status, 200);
    assert.equal(rec.address, '127.0.0.1');
    assert.equal(rec.transport, 'http');
    assert.equal(rec.bytes_out, 'hello from upstream\n'.length);
  });

  test('a host with no rule gets the 403 deny contract, and the upstream sees nothing', async () => {
    const before = up.seen.length;
    const r = await viaProxy(g, `http://other.upstream.test:${up.port}/`);
    assert.equal(r.status, 403);
    assert.equal(r.headers['content-type'], 'application/json');
    const body = JSON.parse(r.body) as Record<string, unknown>;
    assert.equal(body.error, 'policy_denied');
    assert.equal(body.rule, 'default-deny');
    assert.match(String(body.reason), /no rule allows GET http:\/\/other\.upstream\.test/);
    assert.match(String(body.decision_id), /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(r.headers['x-sluice-decision'], body.decision_id);
    assert.equal(up.seen.length, before);
    const rec = g.audit.records.find((x) => x.decision_id === body.decision_id);
    assert.equal(rec?.outcome, 'deny');
    assert.equal(rec?.reason, 'no_rule_matched');
  });

  test('hop-by-hop headers are dropped, Host is rewritten, Via is added', async () => {
    const r = await viaProxy(g, `${origin}/echo`, {
      headers: {
        host: 'evil.example',
        connection: 'keep-alive, x-drop-me',
        'x-drop-me': '1',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        'x-keep': 'yes',
      },
    });
    const echo = JSON.parse(r.body) as { headers: Record<string, string> };
    assert.equal(echo.headers.host, `api.upstream.test:${up.port}`);
    assert.equal(echo.headers['x-keep'], 'yes');
    for (const h of ['x-drop-me', 'proxy-authorization', 'proxy-connection', 'te']) assert.equal(echo.headers[h], undefined, h);
    assert.equal(echo.headers.via, '1.1 sluice');
  });

  test('content-length and chunked request bodies stream to the upstream intact', async () => {
    const body = Buffer.alloc(300_000, 0x62);
    const a = await viaProxy(g, `${origin}/upload`, { method: 'POST', body, headers: { 'content-length': String(body.length) } });
    assert.deepEqual(JSON.parse(a.body), { received: body.length });
    const b = await viaProxy(g, `${origin}/upload`, { method: 'PUT', body, headers: { 'transfer-encoding': 'chunked' } });
    assert.deepEqual(JSON.parse(b.body), { received: body.length });
    assert.equal(g.audit.records.at(-1)?.bytes_in, body.length);
  });

  test('keep-alive: the agent connection is reused across requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await viaProxy(g, `${origin}/a`, { agent });
    const second = await viaProxy(g, `${origin}/b`, { agent });
    agent.destroy();
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(second.socketReused, true);
  });

  test('upstream status codes and large streamed responses pass through', async () => {
    const r = await viaProxy(g, `${origin}/status/418`);
    assert.equal(r.status, 418);
    const big = await viaProxy(g, `${origin}/bytes?n=5000000`);
    assert.equal(big.body.length, 5_000_000);
  });

  test('Expect: 100-continue with curl: allowed gets 100 then the upload, denied gets 403 without a 100', async () => {
    const ok = await exec('curl', ['-sS', '-i', '-x', g.proxyUrl, '-H', 'Expect: 100-continue', '--data-binary', 'x'.repeat(2048), `${origin}/upload`]);
    assert.match(ok.stdout, /HTTP\/1\.1 100 Continue/);
    assert.match(ok.stdout, /"received":2048/);
    const denied = await exec('curl', [
      '-sS',
      '-i',
      '-x',
      g.proxyUrl,
      '-H',
      'Expect: 100-continue',
      '--data-binary',
      'x'.repeat(2048),
      `http://other.upstream.test:${up.port}/upload`,
    ]);
    assert.doesNotMatch(denied.stdout, /100 Continue/);
    assert.match(denied.stdout, /HTTP\/1\.1 403/);
    assert.match(denied.stdout, /"error":"policy_denied"/);
  });

  test('an origin-form request to the proxy gets a 400 that says how to use it', async () => {
    const { response } = await rawExchange(g.port, `GET / HTTP/1.1\r\nHost: x\r\nProxy-Authorization: ${g.auth}\r\n\r\n`, { timeoutMs: 2000 });
    const r = parseRawResponse(response);
    assert.equal(r.status, 400);
    assert.match(r.body, /absolute-form/);
  });

  test('an unreachable upstream is a 502 upstream_unreachable, not a hang', async () => {
    const dead = await startUpstream();
    const port = dead.port;
    await dead.close();
    const r = await viaProxy(g, `http://api.upstream.test:${port}/`);
    assert.equal(r.status, 502);
    assert.equal((JSON.parse(r.body) as { error: string }).error, 'upstream_unreachable');
    assert.equal(g.audit.records.at(-1)?.outcome, 'error');
    // Sluice's code on record; ECONNREFUSED is the log's.
    assert.equal(g.audit.records.at(-1)?.error, 'upstream_unreachable');
  });

  test('curl through the proxy (plain HTTP) reads the upstream body', async () => {
    const r = await exec('curl', ['-sS', '-x', g.proxyUrl, `${origin}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello from upstream\n');
  });
});
