/**
 * The hmac form end to end: a webhook receiver on loopback checks each request's
 * signature with node:crypto's HMAC over the canonical string it expects (not the
 * gate's code), so a wrong stored key, a changed body or a wrong canonical string
 * is refused. The agent never holds the key.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { proxyRequest, startTestGate, type TestGate } from '../../helpers/gate.js';
import { canary } from '../canary.js';

const KEY = canary('hook-');

/** Accepts `/a` signed as hex HMAC-SHA256 of "METHOD\nPATH\nTS\nsha256(body)", `/b` as Stripe-style "v1=" + HMAC of "TS.body". */
async function startReceiver(): Promise<{ port: number; server: Server; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(body.toString());
      const ts = String(req.headers['x-timestamp'] ?? '');
      const text = req.url === '/a' ? `${req.method}\n${req.url}\n${ts}\n${createHash('sha256').update(body).digest('hex')}` : `${ts}.${body.toString()}`;
      const want = `${req.url === '/a' ? '' : 'v1='}${createHmac('sha256', KEY).update(text).digest('hex')}`;
      const got = String(req.headers['x-signature'] ?? '');
      const ok = got.length === want.length && timingSafeEqual(Buffer.from(got), Buffer.from(want));
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, got }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server, bodies };
}

describe('hmac: the gate signs the final request; the receiver checks it independently', () => {
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let g: TestGate;

  before(async () => {
    hook = await startReceiver();
    g = await startTestGate(
      `
routes:
  hook: { url: "http://127.0.0.1:${hook.port}" }
rules:
  - id: hook-a
    hosts: [a.hooks.internal]
    route: hook
    credential: { secret: hook_key, allow_plaintext: true, hmac: { canonical: "{method}\\\\n{path}\\\\n{timestamp}\\\\n{body_sha256}" } }
  - id: hook-b
    hosts: [b.hooks.internal]
    route: hook
    credential: { secret: hook_key, allow_plaintext: true, hmac: { canonical: "{timestamp}.{body}", prefix: "v1=" } }
  - id: hook-wrong-key
    hosts: [c.hooks.internal]
    route: hook
    credential: { secret: other_key, allow_plaintext: true, hmac: { canonical: "{timestamp}.{body}", prefix: "v1=" } }
`,
      { secrets: { hook_key: KEY, other_key: canary('other-') } },
    );
  });
  after(async () => {
    await g.close();
    hook.server.closeAllConnections();
    await new Promise((r) => hook.server.close(r));
  });

  test('method, path, timestamp and body hash: accepted, and the body arrives unchanged', async () => {
    const body = JSON.stringify({ event: 'ticket.created', id: 7 });
    const r = await proxyRequest(g, 'POST', 'http://a.hooks.internal/a', { body, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 200, r.body);
    assert.equal(hook.bodies.at(-1), body);
  });

  test('Stripe-style "v1=" over timestamp and body: accepted', async () => {
    const r = await proxyRequest(g, 'POST', 'http://b.hooks.internal/b', { body: 'payload=1' });
    assert.equal(r.status, 200, r.body);
  });

  test('a wrong stored key is refused by the receiver: the signature is really checked', async () => {
    const r = await proxyRequest(g, 'POST', 'http://c.hooks.internal/b', { body: 'payload=1' });
    assert.equal(r.status, 401, r.body);
  });

  test('the key never reaches the agent, the audit trail or the log', () => {
    const all = JSON.stringify(g.audit.records) + JSON.stringify(g.logs);
    assert.ok(!all.includes(KEY));
    assert.equal(g.audit.records.find((x) => x.rule === 'hook-a')?.credential, 'hook_key');
  });
});
