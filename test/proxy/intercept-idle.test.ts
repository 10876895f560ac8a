/**
 * An intercepted tunnel is handed to the HTTP server on the agent's first bytes, not
 * at the end of the TLS handshake (intercept.ts): what the agent sends first must
 * still be read first and whole, a tunnel never used must still end at the idle
 * timeout, and one the agent half-closes before any request must end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { upstreamPki } from '../helpers/pki.js';
import { interceptedTunnel } from '../helpers/tunnel.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function gateConfig(idle: string, caFile: string): string {
  return `
timeouts:
  idle: ${idle}
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${caFile}
rules:
  - id: upstream
    hosts: [api.upstream.test]
`;
}

describe('intercepted tunnels before their first request', () => {
  let up: Upstream;
  /** Idle timeout 600 ms. */
  let short: TestGate;
  /** Idle timeout 10 minutes: whatever ends a tunnel here is not the idle timeout. */
  let long: TestGate;
  before(async () => {
    up = await startUpstream({ tls: true, names: ['api.upstream.test'] });
    const ca = (await upstreamPki()).caFile;
    short = await startTestGate(gateConfig('600ms', ca));
    long = await startTestGate(gateConfig('10m', ca));
  });
  after(async () => {
    await short.close();
    await long.close();
    await up.close();
  });

  /** A CONNECT to the upstream and a verified TLS session with the gate inside it. */
  const tunnel = (g: TestGate): Promise<TLSSocket> => interceptedTunnel(g, 'api.upstream.test', up.port, g.auth);

  /** Everything the gate sends until it closes the tunnel. */
  function readAll(t: TLSSocket): Promise<string> {
    return new Promise((resolve) => {
      let got = '';
      t.on('data', (c: Buffer) => (got += c.toString('latin1')));
      t.on('error', () => undefined);
      t.once('close', () => resolve(got));
    });
  }

  const get = (path: string, close = false): string =>
    `GET ${path} HTTP/1.1\r\nHost: api.upstream.test:${up.port}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;

  test('a request sent a while after the handshake, its first byte alone, is answered', async () => {
    const t = await tunnel(long);
    const all = readAll(t);
    await sleep(150);
    const req = get('/', true);
    t.write(req.slice(0, 1));
    await sleep(100);
    t.write(req.slice(1));
    const got = await all;
    assert.match(got, /^HTTP\/1\.1 200/);
    assert.match(got, /hello from upstream\n$/);
  });

  test('two requests in the agent first write are both answered, in order', async () => {
    const t = await tunnel(long);
    const all = readAll(t);
    t.write(get('/') + get('/', true));
    const got = await all;
    assert.equal(got.match(/^HTTP\/1\.1 200/gm)?.length, 2, got);
    assert.equal(got.match(/hello from upstream\n/g)?.length, 2, got);
  });

  test('a first write of many TLS records (a 200 KiB upload and a request behind it) reaches the upstream whole and in order', async () => {
    const t = await tunnel(long);
    const all = readAll(t);
    const body = 'a'.repeat(200_000);
    const host = `Host: api.upstream.test:${up.port}\r\n`;
    t.write(`POST /upload HTTP/1.1\r\n${host}Content-Length: ${body.length}\r\n\r\n${body}` + get('/echo', true));
    const got = await all;
    assert.equal(got.match(/HTTP\/1\.1 200/g)?.length, 2, got.slice(0, 1500));
    // Answered in the order asked (the upstream may see them in either: the gate forwards pipelined requests as they come).
    assert.ok(got.indexOf('{"received":200000}') < got.indexOf('"url":"/echo"'), got.slice(0, 1500));
    assert.deepEqual(
      up.seen
        .slice(-2)
        .map((r) => `${r.method} ${r.url} ${r.bodyBytes}`)
        .sort(),
      ['GET /echo 0', 'POST /upload 200000'],
    );
  });

  test('a tunnel that carries nothing is closed at timeouts.idle', async () => {
    const t = await tunnel(short);
    const all = readAll(t);
    const closed = await Promise.race([all.then(() => true), sleep(5000).then(() => false)]);
    assert.equal(closed, true, 'the gate kept an unused tunnel open past timeouts.idle');
  });

  test('a tunnel kept busy past timeouts.idle before the first request is still served (the wait ends on bytes, the timeout on silence)', async () => {
    const t = await tunnel(short);
    const all = readAll(t);
    // Two thirds of the idle timeout, then a byte of the request: the countdown before the first bytes must not outlive them.
    await sleep(400);
    const req = get('/', true);
    t.write(req.slice(0, 3));
    await sleep(400);
    t.write(req.slice(3));
    const got = await all;
    assert.match(got, /^HTTP\/1\.1 200/);
  });

  test('an agent that half-closes before any request has its tunnel ended', async () => {
    const t = await tunnel(long);
    const all = readAll(t);
    t.end();
    const closed = await Promise.race([all.then(() => true), sleep(5000).then(() => false)]);
    assert.equal(closed, true, 'the tunnel was not ended after the agent half-closed');
  });

  test('a shutdown with a drain ends a tunnel never used at once, without waiting out the drain', async () => {
    const g = await startTestGate(gateConfig('10m', (await upstreamPki()).caFile));
    const t = await tunnel(g);
    const all = readAll(t);
    // The drain waits for what is in flight; an unused tunnel is not (as an idle keep-alive connection is not).
    const closed = g.gate.close({ drainMs: 60_000 }).then(() => 'closed');
    const first = await Promise.race([closed, sleep(20_000).then(() => 'still draining')]);
    assert.equal(first, 'closed', 'close() waited for an unused intercepted tunnel');
    await all;
  });
});
