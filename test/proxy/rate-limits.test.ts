import assert from 'node:assert/strict';
import { writeFile, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One GET through the proxy with Node's http client, as the agent holding `token`. */
function get(g: TestGate, url: string, token: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: g.port,
        path: url,
        headers: { 'proxy-authorization': `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}` },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** `count` GETs in a row; their statuses. */
async function statuses(g: TestGate, url: string, token: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await get(g, url, token)).status);
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, find: () => T | undefined): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = find();
    if (v !== undefined) return v;
    await sleep(20);
  }
  assert.fail(`timed out waiting for: ${what}`);
}

const RULES = `
dns:
  hosts:
    ten.upstream.test: 127.0.0.1
    burst.upstream.test: 127.0.0.1
    refill.upstream.test: 127.0.0.1
    a.hosts.upstream.test: 127.0.0.1
    b.hosts.upstream.test: 127.0.0.1
    tenant.upstream.test: 127.0.0.1
    free.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: ten-an-hour
    hosts: [ten.upstream.test]
    rate_limit: { requests: 10, per: 1h }
  - id: burst
    hosts: [burst.upstream.test]
    rate_limit: { requests: 1, per: 1h, burst: 3 }
  - id: refill
    hosts: [refill.upstream.test]
    rate_limit: { requests: 1, per: 1s }
  - id: per-host
    hosts: ['*.hosts.upstream.test']
    rate_limit: { requests: 2, per: 1h, by: host }
  - id: per-tenant
    hosts: [tenant.upstream.test]
    rate_limit: { requests: 1, per: 1h, by: tenant }
  - id: free
    hosts: [free.upstream.test]
`;

describe('rate limits on HTTP requests', () => {
  let up: Upstream;
  let g: TestGate;
  let origin: (host: string) => string;
  before(async () => {
    up = await startUpstream();
    origin = (host) => `http://${host}:${up.port}`;
    g = await startTestGate(RULES);
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  test('the 11th request in a window of 10 gets 429 rate_limited with Retry-After and the deny body; on record', async () => {
    const token = await g.mint({ session: 'eleventh' });
    assert.deepEqual(await statuses(g, `${origin('ten.upstream.test')}/x`, token, 10), Array<number>(10).fill(200));
    const r = await get(g, `${origin('ten.upstream.test')}/x`, token);
    assert.equal(r.status, 429, r.body);
    // 10 an hour: one token every 6 minutes, so the wait is at most 360 s and more than 350.
    const retry = Number(r.headers['retry-after']);
    assert.ok(Number.isInteger(retry) && retry > 350 && retry <= 360, `retry-after ${String(r.headers['retry-after'])}`);
    assert.equal(r.headers['content-type'], 'application/json');
    const body = JSON.parse(r.body) as { error: string; reason: string; rule: string; decision_id: string };
    assert.equal(body.error, 'rate_limited');
    assert.equal(body.rule, 'ten-an-hour');
    assert.equal(body.decision_id, r.headers['x-sluice-decision']);
    assert.equal(body.reason, `rule ten-an-hour's rate limit (10 requests per 1h, per identity) is used up; retry after ${retry}s`);
    const rec = await until('the refusal on record', () => g.audit.records.find((x) => x.decision_id === body.decision_id));
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'rate_limited');
    assert.equal(rec.rule, 'ten-an-hour');
    assert.equal(rec.status, 429);
    // Refused requests spend nothing and never reach the upstream.
    const reached = up.seen.filter((s) => s.headers.host === `ten.upstream.test:${up.port}`).length;
    assert.equal((await get(g, `${origin('ten.upstream.test')}/x`, token)).status, 429);
    assert.equal(up.seen.filter((s) => s.headers.host === `ten.upstream.test:${up.port}`).length, reached);
  });

  test('another identity, or another session of the same agent, has its own bucket; a rule without a limit is not limited', async () => {
    const first = await g.mint({ session: 'own-1' });
    assert.deepEqual(await statuses(g, `${origin('ten.upstream.test')}/y`, first, 11), [...Array<number>(10).fill(200), 429]);
    const otherSession = await g.mint({ session: 'own-2' });
    const otherAgent = await g.mint({ agent: 'another-agent', session: 'own-1' });
    const otherTenant = await g.mint({ tenant: 'globex', session: 'own-1' });
    for (const t of [otherSession, otherAgent, otherTenant]) assert.equal((await get(g, `${origin('ten.upstream.test')}/y`, t)).status, 200);
    assert.deepEqual(await statuses(g, `${origin('free.upstream.test')}/y`, first, 30), Array<number>(30).fill(200));
  });

  test('burst: three at once, then one an hour', async () => {
    const token = await g.mint({ session: 'burst' });
    assert.deepEqual(await statuses(g, `${origin('burst.upstream.test')}/`, token, 4), [200, 200, 200, 429]);
  });

  test('by: host counts per destination host (within the tenant), whoever sends', async () => {
    const one = await g.mint({ session: 'host-1' });
    const two = await g.mint({ session: 'host-2', agent: 'other' });
    assert.equal((await get(g, `${origin('a.hosts.upstream.test')}/`, one)).status, 200);
    assert.equal((await get(g, `${origin('a.hosts.upstream.test')}/`, two)).status, 200);
    const third = await get(g, `${origin('a.hosts.upstream.test')}/`, one);
    assert.equal(third.status, 429);
    assert.match(third.body, /per destination host/);
    assert.equal((await get(g, `${origin('b.hosts.upstream.test')}/`, two)).status, 200);
    // Tenants never share a bucket.
    assert.equal((await get(g, `${origin('a.hosts.upstream.test')}/`, await g.mint({ tenant: 'globex' }))).status, 200);
  });

  test('by: tenant: every agent of the tenant shares one bucket; another tenant does not', async () => {
    const a = await g.mint({ tenant: 'initech', agent: 'a' });
    const b = await g.mint({ tenant: 'initech', agent: 'b' });
    assert.equal((await get(g, `${origin('tenant.upstream.test')}/`, a)).status, 200);
    assert.equal((await get(g, `${origin('tenant.upstream.test')}/`, b)).status, 429);
    assert.equal((await get(g, `${origin('tenant.upstream.test')}/`, await g.mint({ tenant: 'umbrella' }))).status, 200);
  });

  test('refill: after waiting Retry-After the request passes', async () => {
    const token = await g.mint({ session: 'refill' });
    assert.equal((await get(g, `${origin('refill.upstream.test')}/`, token)).status, 200);
    const refused = await get(g, `${origin('refill.upstream.test')}/`, token);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers['retry-after'], '1');
    await sleep(Number(refused.headers['retry-after']) * 1000 + 50);
    assert.equal((await get(g, `${origin('refill.upstream.test')}/`, token)).status, 200);
  });

  test('reload: an unchanged limit keeps its buckets; a changed limit starts afresh', async () => {
    const token = await g.mint({ session: 'reload' });
    const url = `${origin('burst.upstream.test')}/`;
    assert.deepEqual(await statuses(g, url, token, 4), [200, 200, 200, 429]);
    const text = await readFile(g.configFile, 'utf8');
    // Another rule's change: a new policy version, the burst rule as it was.
    await writeFile(g.configFile, text.replace('hosts: [free.upstream.test]', 'hosts: [free.upstream.test]\n    intent: reloaded'));
    assert.equal((await g.gate.reload(await loadConfig(g.configFile))).ok, true);
    assert.equal((await get(g, url, token)).status, 429);
    await writeFile(g.configFile, text.replace('{ requests: 1, per: 1h, burst: 3 }', '{ requests: 1, per: 1h, burst: 2 }'));
    const changed = await g.gate.reload(await loadConfig(g.configFile));
    assert.equal(changed.ok && changed.changed, true);
    assert.deepEqual(await statuses(g, url, token, 3), [200, 200, 429]);
  });
});
