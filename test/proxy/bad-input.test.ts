import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

describe('bad input gets a precise answer and the gate keeps serving', () => {
  let g: TestGate;
  let up: Upstream;
  let good: string;
  before(async () => {
    up = await startUpstream();
    g = await startTestGate(`
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
timeouts:
  headers: 1s
  tls_handshake: 500ms
limits:
  max_header_bytes: 4096
rules:
  - id: upstream
    hosts: [api.upstream.test]
`);
  });
  before(() => {
    good = `GET http://api.upstream.test:${up.port}/ HTTP/1.1\r\nHost: api.upstream.test\r\nProxy-Authorization: ${g.auth}\r\nConnection: close\r\n\r\n`;
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  /** After every bad input, a well-formed request from another client still works. */
  async function stillServing(): Promise<void> {
    const { response } = await rawExchange(g.port, good);
    const r = parseRawResponse(response);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello from upstream\n');
  }

  async function expectReject(input: string, status: number, reason: RegExp): Promise<void> {
    const { response, closed } = await rawExchange(g.port, input);
    const r = parseRawResponse(response);
    assert.equal(r.status, status, response);
    const body = JSON.parse(r.body) as { error: string; reason: string; decision_id: string };
    assert.match(body.reason, reason);
    assert.ok(body.decision_id);
    assert.ok(closed, 'connection closed after a bad request');
    await stillServing();
  }

  test('malformed request line', async () => {
    await expectReject('GARBAGE\r\n\r\n', 400, /malformed/);
  });

  test('a request line with an invalid HTTP version', async () => {
    await expectReject(`GET http://api.upstream.test:${up.port}/ HTTP/9.9\r\n\r\n`, 400, /malformed|HTTP/);
  });

  test('invalid Content-Length', async () => {
    await expectReject(`POST http://api.upstream.test:${up.port}/ HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n`, 400, /Content-Length/);
  });

  test('duplicate Content-Length', async () => {
    await expectReject(
      `POST http://api.upstream.test:${up.port}/ HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`,
      400,
      /Content-Length/,
    );
  });

  test('Transfer-Encoding together with Content-Length', async () => {
    await expectReject(
      `POST http://api.upstream.test:${up.port}/ HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
      /Transfer-Encoding|Content-Length/,
    );
    // The smuggled request never reached the upstream.
    assert.ok(!up.seen.some((s) => s.method === 'POST'));
  });

  test('a header block over limits.max_header_bytes', async () => {
    await expectReject(`GET http://api.upstream.test:${up.port}/ HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`, 431, /max_header_bytes/);
  });

  test('CONNECT to a non-numeric port', async () => {
    await expectReject('CONNECT api.upstream.test:https HTTP/1.1\r\nHost: api.upstream.test\r\n\r\n', 400, /invalid port/);
  });

  test('CONNECT to a port out of range', async () => {
    await expectReject('CONNECT api.upstream.test:70000 HTTP/1.1\r\nHost: api.upstream.test\r\n\r\n', 400, /invalid port/);
  });

  test('CONNECT without a port', async () => {
    await expectReject('CONNECT api.upstream.test HTTP/1.1\r\nHost: api.upstream.test\r\n\r\n', 400, /missing port/);
  });

  test('a request head that never completes is cut with 408', async () => {
    const { response, closed } = await rawExchange(g.port, `GET http://api.upstream.test:${up.port}/ HTTP/1.1\r\nHost: a\r\n`, { timeoutMs: 8000 });
    assert.ok(closed);
    assert.equal(parseRawResponse(response).status, 408);
    await stillServing();
  });

  test('a TLS client hello that never comes: the tunnel is closed and logged', async () => {
    const { response, closed } = await rawExchange(g.port, `CONNECT api.upstream.test:${up.port} HTTP/1.1\r\nProxy-Authorization: ${g.auth}\r\n\r\n`, {
      timeoutMs: 8000,
    });
    assert.match(response, /^HTTP\/1\.1 200/);
    assert.ok(closed, 'gate closed the silent tunnel');
    assert.ok(g.logs.some((l) => l.code === 'tls_handshake_timeout'));
    await stillServing();
  });

  test('garbage instead of TLS inside CONNECT: closed and logged', async () => {
    const { closed } = await rawExchange(
      g.port,
      `CONNECT api.upstream.test:${up.port} HTTP/1.1\r\nProxy-Authorization: ${g.auth}\r\n\r\nthis is not a TLS client hello at all\r\n\r\n`,
      { timeoutMs: 8000 },
    );
    assert.ok(closed);
    assert.ok(g.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('TLS with the agent failed')));
    await stillServing();
  });

  test('a client that disconnects mid-body does not disturb others', async () => {
    await new Promise<void>((resolve) => {
      const s = connect({ port: g.port, host: '127.0.0.1' }, () => {
        s.write(`POST http://api.upstream.test:${up.port}/upload HTTP/1.1\r\nHost: a\r\nProxy-Authorization: ${g.auth}\r\nContent-Length: 100000\r\n\r\nabc`);
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 100);
      });
    });
    await stillServing();
  });
});
