/**
 * Gate.close({ drainMs }) with a request in flight inside an intercepted HTTPS tunnel:
 * the tunnel is not cut under it; the request finishes, its record is written before
 * close() resolves, and a new connection is no longer accepted meanwhile.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, test } from 'node:test';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { upstreamPki } from '../helpers/pki.js';
import { LeafMinter } from '../../src/tls/leaf-minter.js';

let g: TestGate;
let port = 0;
const held: ServerResponse[] = [];
let server: ReturnType<typeof createServer>;

before(async () => {
  const pki = await upstreamPki();
  const minter = new LeafMinter(pki.ca);
  server = createServer({ key: minter.keyPem, cert: minter.mint('api.upstream.test').chainPem }, (_req, res) => held.push(res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  g = await startTestGate(`dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${pki.caFile}
rules:
  - id: upstream
    hosts: [api.upstream.test]
`);
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('a request in flight inside an intercepted tunnel finishes during the drain and is recorded', async () => {
  const raw = connect({ port: g.port, host: '127.0.0.1' });
  await new Promise((r) => raw.once('connect', r));
  raw.write(`CONNECT api.upstream.test:${port} HTTP/1.1\r\nhost: api.upstream.test:${port}\r\nproxy-authorization: ${g.auth}\r\n\r\n`);
  await new Promise<void>((resolve) => raw.once('data', () => resolve()));
  const t = tlsConnect({ socket: raw, servername: 'api.upstream.test', ca: [g.caPem] });
  await new Promise((r) => t.once('secureConnect', r));
  let text = '';
  t.on('data', (c: Buffer) => (text += c.toString('latin1')));
  const ended = new Promise((r) => t.once('close', r));
  t.write(`GET /slow/tunnel HTTP/1.1\r\nhost: api.upstream.test:${port}\r\n\r\n`);
  while (held.length === 0) await new Promise((r) => setTimeout(r, 10));

  const closed = g.gate.close({ drainMs: 20_000 });
  // The listener is closed at once: a new agent is refused by the OS, not served.
  const refused = await new Promise<boolean>((resolve) => {
    const s = connect({ port: g.port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
  assert.ok(refused, 'a new connection was accepted while draining');
  held[0]!.end('slow body');
  await closed;
  await ended;
  assert.match(text, /^HTTP\/1\.1 200/);
  assert.match(text, /connection: close/i);
  // The whole body, complete in its framing: exactly its declared length, or chunked up to the last chunk.
  const split = text.indexOf('\r\n\r\n');
  assert.ok(split > 0, text);
  const body = text.slice(split + 4);
  if (/\r\ncontent-length: \d+\r\n/i.test(`${text.slice(0, split)}\r\n`)) {
    assert.match(text, /\r\ncontent-length: 9\r\n/i);
    assert.equal(body, 'slow body');
  } else {
    assert.match(body, /slow body\r\n0\r\n\r\n$/);
  }
  const rec = g.audit.records.find((r) => r.path === '/slow/tunnel');
  assert.ok(rec, 'no record for the drained request');
  assert.deepEqual([rec.outcome, rec.status, rec.transport], ['allow', 200, 'intercept']);
});
