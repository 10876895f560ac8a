/**
 * Each limit in `limits:` reached is answered 503 `overloaded` in the deny contract,
 * with Retry-After and an audit record; a client inside the limits is unaffected.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestGate } from '../helpers/gate.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const RULES = (port: number): string =>
  `rules:
  - id: upstream
    hosts: [api.upstream.test]
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
`.replace('hosts: [api.upstream.test]', `hosts: [api.upstream.test]\n    ports: [${port}]`);

describe('limits', () => {
  let up: Upstream;
  before(async () => {
    up = await startUpstream();
  });
  after(async () => {
    await up.close();
  });

  test('memory guard: past limits.max_memory_bytes a new connection is answered 503 overloaded and recorded', async () => {
    const g = await startTestGate(`${RULES(up.port)}limits:\n  max_memory_bytes: 1024\n`);
    try {
      const r = await rawExchange(
        g.port,
        `GET http://api.upstream.test:${up.port}/ HTTP/1.1\r\nhost: api.upstream.test\r\nproxy-authorization: ${g.auth}\r\n\r\n`,
      );
      const res = parseRawResponse(r.response);
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], '2');
      const body = JSON.parse(res.body) as { error: string; reason: string; decision_id: string };
      assert.equal(body.error, 'overloaded');
      assert.match(body.reason, /max_memory_bytes/);
      assert.equal(res.headers['x-sluice-decision'], body.decision_id);
      assert.equal(up.seen.length, 0);
      const rec = g.audit.records.find((x) => x.decision_id === body.decision_id);
      assert.ok(rec);
      assert.deepEqual([rec.outcome, rec.reason, rec.status], ['deny', 'overloaded', 503]);
    } finally {
      await g.close();
    }
  });

  test('max_connections: the connection past the limit is answered 503 overloaded and closed, not reset', async () => {
    const g = await startTestGate(`${RULES(up.port)}limits:\n  max_connections: 2\n`);
    const open: Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const s = connect({ port: g.port, host: '127.0.0.1' });
        await new Promise((r) => s.once('connect', r));
        open.push(s);
      }
      // The gate accepts in order: the third is counted after the first two.
      const r = await rawExchange(
        g.port,
        `GET http://api.upstream.test:${up.port}/ HTTP/1.1\r\nhost: api.upstream.test\r\nproxy-authorization: ${g.auth}\r\n\r\n`,
      );
      const res = parseRawResponse(r.response);
      assert.equal(res.status, 503, r.response);
      assert.equal((JSON.parse(res.body) as { error: string }).error, 'overloaded');
      assert.ok(r.closed);
      assert.ok(g.audit.records.some((x) => x.reason === 'overloaded'));
    } finally {
      for (const s of open) s.destroy();
      await g.close();
    }
  });

  test('pipelining: a keep-alive client sending one request after another is never refused; one pipelining too deep is, once, then closed', async () => {
    const g = await startTestGate(`${RULES(up.port)}limits:\n  max_pipelined_per_connection: 2\n`);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 10; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = request({
            host: '127.0.0.1',
            port: g.port,
            path: `http://api.upstream.test:${up.port}/seq/${i}`,
            headers: { 'proxy-authorization': g.auth },
            agent,
          });
          req.on('response', (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(status, 200);
      }
      const one = (i: number): string =>
        `GET http://api.upstream.test:${up.port}/p/${i} HTTP/1.1\r\nhost: api.upstream.test\r\nproxy-authorization: ${g.auth}\r\n\r\n`;
      const r = await rawExchange(g.port, Array.from({ length: 50 }, (_, i) => one(i)).join(''));
      const statuses = [...r.response.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      assert.deepEqual(statuses, [200, 200, 503]);
      assert.match(r.response, /"error":"overloaded".*max_pipelined_per_connection/);
      assert.ok(r.closed);
      assert.equal(up.seen.filter((s) => s.url.startsWith('/p/')).length, 2);
    } finally {
      agent.destroy();
      await g.close();
    }
  });
});
