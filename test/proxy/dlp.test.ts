import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

// A secret the gate holds (in its encrypted store): known-secret matching must catch it
// in every form. Random per run, so nothing can pass by coincidence.
const SECRET = `sk-canary-${randomBytes(16).toString('hex')}`;

interface Deny {
  error: string;
  reason: string;
  decision_id: string;
}

describe('DLP: a secret the gate holds never leaves, in any encoding or place', () => {
  let up: Upstream;
  let g: TestGate;
  before(async () => {
    up = await startUpstream();
    g = await startTestGate(
      `
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: anything-upstream
    hosts: [api.upstream.test, "*.upstream.test"]
`,
      { secrets: { billing_key: SECRET } },
    );
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  /** A request through the gate; `parts` are written as separate body chunks with a pause between. */
  function send(url: string, opts: { method?: string; headers?: Record<string, string>; parts?: string[] } = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: g.port, method: opts.method ?? 'GET', path: url, headers: { 'proxy-authorization': g.auth, ...opts.headers } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve({ status: -1, body: '' }) : reject(err)));
      const parts = opts.parts ?? [];
      let i = 0;
      const next = (): void => {
        if (i >= parts.length) return void req.end();
        req.write(parts[i++]);
        setTimeout(next, 50);
      };
      next();
    });
  }

  function expectBlocked(r: { status: number; body: string }, location: RegExp, encoding?: string): void {
    assert.equal(r.status, 403, r.body);
    const body = JSON.parse(r.body) as Deny;
    assert.equal(body.error, 'dlp_blocked');
    assert.ok(!r.body.includes(SECRET), 'the deny body does not echo the secret');
    const rec = g.audit.records.find((x) => x.decision_id === body.decision_id);
    assert.ok(rec, 'audited');
    const f = rec.findings.find((x) => x.type === 'known_secret' || x.type.startsWith('hostname_'));
    assert.ok(f, JSON.stringify(rec.findings));
    assert.match(f.location, location);
    if (encoding) assert.equal(f.encoding, encoding);
    const text = JSON.stringify(rec);
    for (const form of [SECRET, Buffer.from(SECRET).toString('base64'), Buffer.from(SECRET).toString('hex'), SECRET.slice(0, 20)]) {
      assert.ok(!text.includes(form), 'the audit record holds no form of the secret');
    }
  }

  const base = (): string => `http://api.upstream.test:${up.port}`;
  let seenBefore = 0;
  before(() => {
    seenBefore = up.seen.length;
  });

  test('in the clear, in a query value', async () => {
    expectBlocked(await send(`${base()}/search?q=${SECRET}`), /^url\.query/);
  });

  test('URL-encoded (twice), in the path', async () => {
    const twice = encodeURIComponent(encodeURIComponent(SECRET).replace(/-/g, '%2D'));
    expectBlocked(await send(`${base()}/x/${twice}`), /^url\.path/);
  });

  test('base64, in a header', async () => {
    expectBlocked(await send(`${base()}/`, { headers: { 'x-data': Buffer.from(SECRET).toString('base64') } }), /^header:x-data$/, 'base64');
  });

  test('hex, in a JSON body', async () => {
    const body = JSON.stringify({ blob: Buffer.from(SECRET).toString('hex') });
    expectBlocked(await send(`${base()}/upload`, { method: 'POST', headers: { 'content-type': 'application/json' }, parts: [body] }), /^body/, 'hex');
  });

  test('split across two body chunks', async () => {
    const cut = 17;
    const r = await send(`${base()}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' },
      parts: [`notes: here is the key ${SECRET.slice(0, cut)}`, `${SECRET.slice(cut)} thanks`],
    });
    expectBlocked(r, /^body/);
  });

  test('in a subdomain, hex-encoded, caught before any DNS lookup', async () => {
    const label = Buffer.from(SECRET).toString('hex').slice(0, 60);
    const r = await send(`http://${label}.upstream.test:${up.port}/`);
    expectBlocked(r, /^host$/);
    const rec = g.audit.records.find((x) => x.decision_id === (JSON.parse(r.body) as Deny).decision_id)!;
    assert.ok(!rec.host.includes(label), 'the audit record does not keep the carrier label');
  });

  test('escape padding in a JSON body cannot push the secret out before it is scanned', async () => {
    // A raw upstream that records every byte it receives, finished request or not.
    const received: Buffer[] = [];
    const raw = createServer((s) => s.on('data', (c: Buffer) => received.push(c)));
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const port = (raw.address() as AddressInfo).port;
    try {
      const body = `{"a":"${'\\u0020'.repeat(10000)}${SECRET}${'\\u0020'.repeat(3000)}"}`;
      const r = await send(`http://api.upstream.test:${port}/upload`, { method: 'POST', headers: { 'content-type': 'application/json' }, parts: [body] });
      assert.equal(r.status, 403, r.body);
      await new Promise((res) => setTimeout(res, 100));
      assert.ok(!Buffer.concat(received).toString('latin1').includes(SECRET), 'the upstream received the secret');
    } finally {
      raw.close();
    }
  });

  test('a request refused before parsing keeps userinfo out of the audit record', async () => {
    const r = await send(`http://bob:hunter2-S3CRETPW@api.upstream.test:${up.port}/x`);
    assert.equal(r.status, 400);
    const rec = g.audit.records.find((x) => x.decision_id === (JSON.parse(r.body) as Deny).decision_id);
    assert.ok(rec);
    assert.ok(!JSON.stringify(rec).includes('S3CRETPW'));
  });

  test('none of these reached the upstream; an ordinary request still does', async () => {
    assert.equal(up.seen.length, seenBefore);
    const ok = await send(`${base()}/search?q=weather+in+lisbon`);
    assert.equal(ok.status, 200);
    assert.equal(up.seen.length, seenBefore + 1);
  });
});
