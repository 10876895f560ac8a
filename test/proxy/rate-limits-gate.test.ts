import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/** One GET through the proxy as the agent holding `token`: status and deny body. */
function get(g: TestGate, url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: g.port,
        path: url,
        agent: false,
        headers: { 'proxy-authorization': `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}` },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const HOSTS = 64;
const hostName = (i: number): string => `h${i}.rot.upstream.test`;

describe('gate-wide rate_limits: per identity and per host, bounded in memory', () => {
  let up: Upstream;
  let g: TestGate;
  before(async () => {
    up = await startUpstream();
    const names = Array.from({ length: HOSTS }, (_, i) => `    ${hostName(i)}: 127.0.0.1`).join('\n');
    g = await startTestGate(`
dns:
  hosts:
${names}
network:
  allow_private: [127.0.0.1/32]
rate_limits:
  per_identity: { requests: 100, per: 24h, burst: 100 }
  per_host: { requests: 3, per: 1h }
  max_buckets: 16
rules:
  - id: rotating
    hosts: ['*.rot.upstream.test']
`);
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  test('per_host: the fourth request to one host is refused naming rate_limits.per_host; another host and another tenant pass', async () => {
    const a = await g.mint({ session: 'host-a' });
    const b = await g.mint({ session: 'host-b' });
    const url = `http://${hostName(0)}:${up.port}/`;
    assert.equal((await get(g, url, a)).status, 200);
    assert.equal((await get(g, url, b)).status, 200);
    assert.equal((await get(g, url, a)).status, 200);
    const r = await get(g, url, b);
    assert.equal(r.status, 429);
    const body = JSON.parse(r.body) as { error: string; reason: string; rule: string };
    assert.equal(body.error, 'rate_limited');
    assert.equal(body.rule, 'rotating');
    assert.match(body.reason, /^the gate's rate limit rate_limits\.per_host \(3 requests per 1h, per destination host\) is used up; retry after \d+s$/);
    assert.equal((await get(g, `http://${hostName(1)}:${up.port}/`, a)).status, 200);
    assert.equal((await get(g, url, await g.mint({ tenant: 'globex' }))).status, 200);
  });

  // per_identity refills one token every 14.4 min: at 1000 an hour (one every 3.6 s), the
  // 100 requests of a loaded machine took 12.9 s and the 101st found a token back.
  test('per_identity: burst 100, then refused, whatever the host', async () => {
    const token = await g.mint({ session: 'identity' });
    const seen: number[] = [];
    // 100 requests spread over hosts 10..59 (two each, under the per-host 3).
    for (let i = 0; i < 100; i++) seen.push((await get(g, `http://${hostName(10 + (i % 50))}:${up.port}/`, token)).status);
    assert.deepEqual(seen, Array<number>(100).fill(200));
    const r = await get(g, `http://${hostName(63)}:${up.port}/`, token);
    assert.equal(r.status, 429);
    assert.match(r.body, /rate_limits\.per_identity/);
  });

  test('an agent rotating hosts and sessions never grows the bucket table past max_buckets', async () => {
    for (let i = 0; i < HOSTS; i++) {
      const token = await g.mint({ session: `rotate-${i}` });
      assert.equal((await get(g, `http://${hostName(i)}:${up.port}/rotate`, token)).status < 500, true);
      assert.ok(g.gate.rateBuckets <= 16, `${g.gate.rateBuckets} buckets after ${i + 1} hosts`);
    }
  });
});
