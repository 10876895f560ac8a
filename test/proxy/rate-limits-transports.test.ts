import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { upstreamPki } from '../helpers/pki.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { isOpen, openThroughGate } from '../helpers/ws-client.js';
import { startWsEcho, type WsEcho } from '../helpers/ws-echo.js';

interface DenyBody {
  error: string;
  reason: string;
  rule: string;
  decision_id: string;
}

/** Rate limits hold for every transport: intercepted HTTPS, WebSocket upgrades and passthrough tunnels. */
describe('rate limits on intercepted HTTPS, WebSocket upgrades and passthrough CONNECT', () => {
  let up: Upstream;
  let ws: WsEcho;
  let raw: Server;
  let rawPort = 0;
  let g: TestGate;
  before(async () => {
    up = await startUpstream({ tls: true, names: ['tls.upstream.test'] });
    ws = await startWsEcho();
    raw = createServer((s) => s.end('banner\n'));
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    rawPort = (raw.address() as { port: number }).port;
    const pki = await upstreamPki();
    g = await startTestGate(`
dns:
  hosts:
    tls.upstream.test: 127.0.0.1
    ws.upstream.test: 127.0.0.1
    raw.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${pki.caFile}
  passthrough: [raw.upstream.test]
rules:
  - id: tls-two
    hosts: [tls.upstream.test]
    rate_limit: { requests: 2, per: 1h }
  - id: ws-one
    hosts: [ws.upstream.test]
    rate_limit: { requests: 1, per: 1h }
  - id: raw-one
    hosts: [raw.upstream.test]
    rate_limit: { requests: 1, per: 1h }
`);
  });
  after(async () => {
    await g.close();
    await up.close();
    await ws.close();
    await new Promise((r) => raw.close(r));
  });

  test('intercepted HTTPS (curl through CONNECT): each request inside counts, the third gets 429 with Retry-After', async () => {
    const token = await g.mint({ session: 'tls' });
    const proxy = g.proxyUrl.replace(g.token, token);
    const once = async (): Promise<{ status: number; head: string; body: string }> => {
      const r = await exec('curl', [
        '-sS',
        '-i',
        '--suppress-connect-headers',
        '--proxy',
        proxy,
        '--cacert',
        g.caFile,
        `https://tls.upstream.test:${up.port}/`,
      ]);
      const cut = r.stdout.indexOf('\r\n\r\n');
      const head = r.stdout.slice(0, cut);
      return { status: Number(/^HTTP\/\S+ (\d{3})/.exec(head)?.[1]), head, body: r.stdout.slice(cut + 4) };
    };
    assert.equal((await once()).status, 200);
    assert.equal((await once()).status, 200);
    const third = await once();
    assert.equal(third.status, 429, third.head);
    assert.match(third.head, /\r\nretry-after: \d+\r\n/i);
    const body = JSON.parse(third.body) as DenyBody;
    assert.equal(body.error, 'rate_limited');
    assert.equal(body.rule, 'tls-two');
  });

  test('WebSocket: the second upgrade is refused 429 with Retry-After and the deny body', async () => {
    const token = await g.mint({ session: 'ws' });
    const url = `ws://ws.upstream.test:${ws.port}/`;
    const first = await openThroughGate(g, url, { token });
    assert.ok(isOpen(first), 'the first upgrade opens');
    first.ws.close();
    await first.closed;
    const second = await openThroughGate(g, url, { token });
    if (isOpen(second)) {
      second.ws.terminate();
      assert.fail('expected the second upgrade to be refused');
    }
    assert.equal(second.status, 429);
    assert.ok(Number(second.headers['retry-after']) > 0, `retry-after ${String(second.headers['retry-after'])}`);
    const body = JSON.parse(second.body) as DenyBody;
    assert.equal(body.error, 'rate_limited');
    assert.equal(body.rule, 'ws-one');
    // Another identity opens.
    const other = await openThroughGate(g, url, { token: await g.mint({ session: 'ws-other' }) });
    assert.ok(isOpen(other));
    other.ws.close();
    await other.closed;
  });

  test('passthrough CONNECT: the second tunnel is refused 429 with Retry-After; on record', async () => {
    const token = await g.mint({ session: 'raw' });
    const auth = `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`;
    const connect = `CONNECT raw.upstream.test:${rawPort} HTTP/1.1\r\nHost: raw.upstream.test:${rawPort}\r\nProxy-Authorization: ${auth}\r\n\r\n`;
    const first = await rawExchange(g.port, connect);
    assert.match(first.response, /^HTTP\/1\.1 200/);
    assert.match(first.response, /banner/);
    const second = parseRawResponse((await rawExchange(g.port, connect)).response);
    assert.equal(second.status, 429);
    assert.ok(Number(second.headers['retry-after']) > 0);
    const body = JSON.parse(second.body) as DenyBody;
    assert.equal(body.error, 'rate_limited');
    assert.equal(body.rule, 'raw-one');
    for (let i = 0; i < 100 && !g.audit.records.some((r) => r.decision_id === body.decision_id); i++) await new Promise((r) => setTimeout(r, 20));
    const rec = g.audit.records.find((r) => r.decision_id === body.decision_id);
    assert.equal(rec?.reason, 'rate_limited');
    assert.equal(rec?.outcome, 'deny');
  });
});
