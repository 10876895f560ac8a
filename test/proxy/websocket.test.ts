import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { isOpen, openThroughGate, type GateWs, type RefusedUpgrade } from '../helpers/ws-client.js';
import { INJECTION_TEXT, startWsEcho, type WsEcho } from '../helpers/ws-echo.js';
import { rawWs } from '../helpers/ws-raw.js';

// A secret the gate holds in its store; random per run so nothing passes by coincidence.
const SECRET = `sk-canary-${randomBytes(16).toString('hex')}`;

function open(r: GateWs | RefusedUpgrade): GateWs {
  if (!isOpen(r)) assert.fail(`expected an upgrade, got ${r.status}: ${r.body}`);
  return r;
}

function refused(r: GateWs | RefusedUpgrade): RefusedUpgrade {
  if (isOpen(r)) {
    r.ws.terminate();
    assert.fail('expected the gate to refuse the upgrade');
  }
  return r;
}

async function waitFor<T>(get: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function assertNoSecret(rec: AuditRecord): void {
  const text = JSON.stringify(rec);
  for (const form of [SECRET, SECRET.slice(0, 20), Buffer.from(SECRET).toString('base64')])
    assert.ok(!text.includes(form), 'no form of the secret in the audit record');
}

describe('WebSocket through the gate', () => {
  let plain: WsEcho;
  let secure: WsEcho;
  let g: TestGate;
  before(async () => {
    plain = await startWsEcho();
    secure = await startWsEcho({ tls: true, names: ['echo.test'] });
    g = await startTestGate(
      `
dns:
  hosts:
    echo.test: 127.0.0.1
    denied.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: echo
    hosts: [echo.test]
`,
      { secrets: { billing_key: SECRET } },
    );
  });
  after(async () => {
    await g.close();
    await plain.close();
    await secure.close();
  });

  const sessions = [
    { name: 'ws://', url: () => `ws://echo.test:${plain.port}/chat`, echo: () => plain, scheme: 'http', transport: 'http' },
    { name: 'wss:// (intercepted)', url: () => `wss://echo.test:${secure.port}/chat`, echo: () => secure, scheme: 'https', transport: 'intercept' },
  ];

  for (const s of sessions) {
    test(`${s.name}: an echo session relays text and binary messages, audited once when it ends`, async () => {
      const c = open(await openThroughGate(g, s.url()));
      for (const m of ['hello', 'ünïcödé ✓', 'x'.repeat(70_000)]) {
        c.ws.send(m);
        assert.equal(await c.next(), m);
      }
      for (const n of [1, 300, 100_000]) {
        const b = randomBytes(n);
        c.ws.send(b);
        assert.deepEqual(await c.next(), b);
      }
      const headers = s.echo().upgrades.at(-1)!;
      assert.equal(headers['proxy-authorization'], undefined, 'the gate token does not go upstream');
      assert.equal(headers['sec-websocket-extensions'], undefined, 'no extension is offered upstream');
      assert.equal(c.ws.extensions, '', 'permessage-deflate is not negotiated');
      c.ws.close(1000, 'bye');
      assert.equal((await c.closed).code, 1000);
      const rec = await waitFor(() => g.audit.records.find((r) => r.status === 101 && r.scheme === s.scheme && r.outcome === 'allow' && r.bytes_in > 170_000));
      assert.equal(rec.method, 'GET');
      assert.equal(rec.path, '/chat');
      assert.equal(rec.host, 'echo.test');
      assert.equal(rec.rule, 'echo');
      assert.equal(rec.transport, s.transport);
      assert.equal(rec.error, null);
      assert.ok(rec.bytes_out > 170_000);
      assert.equal(g.audit.records.filter((r) => r.decision_id === rec.decision_id).length, 1);
    });

    test(`${s.name}: a secret in the third frame closes the session with 1008 at that frame, and the upstream never gets it`, async () => {
      const before = s.echo().received.length;
      const c = open(await openThroughGate(g, s.url()));
      c.ws.send('first message');
      assert.equal(await c.next(), 'first message');
      c.ws.send('second message');
      assert.equal(await c.next(), 'second message');
      c.ws.send(`third message, with the billing key ${SECRET} in it`);
      c.ws.send('fourth message, never relayed');
      const closed = await c.closed;
      assert.equal(closed.code, 1008);
      assert.match(closed.reason, /dlp_blocked/);
      assert.deepEqual(s.echo().received.slice(before), ['first message', 'second message']);
      const rec = await waitFor(() => g.audit.records.find((r) => r.reason === 'dlp_blocked' && r.scheme === s.scheme));
      assert.equal(rec.outcome, 'deny');
      assert.equal(rec.status, 101);
      assert.equal(rec.method, 'GET');
      const f = rec.findings.find((x) => x.type === 'known_secret');
      assert.ok(f, JSON.stringify(rec.findings));
      assert.equal(f.location, 'ws.message');
      assert.equal(f.action, 'block');
      assertNoSecret(rec);
      // One record for the session, not one per frame.
      assert.equal(g.audit.records.filter((r) => r.decision_id === rec.decision_id).length, 1);
    });
  }

  test('a secret split across the fragments of one text message is caught', async () => {
    const before = plain.received.length;
    const c = open(await openThroughGate(g, `ws://echo.test:${plain.port}/frag`));
    const cut = 15;
    c.ws.send(`notes: the key is ${SECRET.slice(0, cut)}`, { fin: false });
    c.ws.send(`${SECRET.slice(cut)} and that is all`, { fin: true });
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    assert.equal(plain.received.length, before, 'no fragment reached the upstream');
    const rec = await waitFor(() => g.audit.records.find((r) => r.path === '/frag' && r.reason === 'dlp_blocked'));
    assertNoSecret(rec);
  });

  test('fragmented clean text is reassembled and delivered', async () => {
    const c = open(await openThroughGate(g, `ws://echo.test:${plain.port}/frag-ok`));
    c.ws.send('one ', { fin: false });
    c.ws.send('two ', { fin: false });
    c.ws.send('three', { fin: true });
    assert.equal(await c.next(), 'one two three');
    c.ws.close();
    await c.closed;
  });

  test('an upstream message carrying a prompt injection is not delivered: 1008, audited', async () => {
    const c = open(await openThroughGate(g, `wss://echo.test:${secure.port}/inject`));
    const got: Array<string | Buffer> = [];
    c.ws.on('message', (m: Buffer) => got.push(m));
    c.ws.send('INJECT');
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /injection_blocked/);
    assert.deepEqual(got, []);
    const rec = await waitFor(() => g.audit.records.find((r) => r.path === '/inject' && r.status === 101));
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'injection_blocked');
    assert.ok(
      rec.findings.some((f) => f.type.startsWith('prompt_injection:') && f.location === 'ws.message'),
      JSON.stringify(rec.findings),
    );
    assert.ok(!JSON.stringify(rec).includes('Ignore all previous'), 'the audit record does not quote the injection');
    assert.ok(INJECTION_TEXT.length > 0);
  });

  test('an upstream binary message whose text carries a prompt injection is not delivered: 1008, audited', async () => {
    const c = open(await openThroughGate(g, `wss://echo.test:${secure.port}/inject-binary`));
    const got: Array<string | Buffer> = [];
    c.ws.on('message', (m: Buffer) => got.push(m));
    // A length-prefixed record, as a binary protocol frames its text; sent in two fragments (the run spans them).
    const message = Buffer.concat([Buffer.from([0, 0, 0, INJECTION_TEXT.length, 0x0a]), Buffer.from(INJECTION_TEXT)]);
    c.ws.send(message.subarray(0, 30), { binary: true, fin: false });
    c.ws.send(message.subarray(30), { binary: true, fin: true });
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /injection_blocked/);
    assert.deepEqual(got, [], 'no message reached the agent');
    const rec = await waitFor(() => g.audit.records.find((r) => r.path === '/inject-binary' && r.status === 101));
    assert.equal(rec.reason, 'injection_blocked');
    assert.ok(
      rec.findings.some((f) => f.type.startsWith('prompt_injection:') && f.location === 'ws.message'),
      JSON.stringify(rec.findings),
    );
  });

  test('binary messages of random bytes and of ordinary text come back intact', async () => {
    const c = open(await openThroughGate(g, `wss://echo.test:${secure.port}/binary-ok`));
    const noise = randomBytes(200_000);
    const text = Buffer.from('The build finished: 42 tests passed, 0 failed. Artifacts are in ./dist.\n'.repeat(50));
    c.ws.send(noise);
    assert.ok(Buffer.from((await c.next()) as Buffer).equals(noise));
    c.ws.send(text);
    assert.ok(Buffer.from((await c.next()) as Buffer).equals(text));
    c.ws.close();
    await c.closed;
  });

  for (const s of [
    { name: 'ws://', url: () => `ws://denied.test:${plain.port}/x`, echo: () => plain },
    { name: 'wss://', url: () => `wss://denied.test:${secure.port}/x`, echo: () => secure },
  ]) {
    test(`${s.name}: a denied host gets the 403 deny contract before any upgrade`, async () => {
      const upgrades = s.echo().upgrades.length;
      const r = refused(await openThroughGate(g, s.url()));
      assert.equal(r.status, 403);
      assert.equal(r.headers['content-type'], 'application/json');
      const body = JSON.parse(r.body) as { error: string; rule: string; decision_id: string };
      assert.equal(body.error, 'policy_denied');
      assert.equal(body.rule, 'default-deny');
      assert.equal(r.headers['x-sluice-decision'], body.decision_id);
      assert.equal(s.echo().upgrades.length, upgrades, 'the upstream saw no upgrade');
      const rec = await waitFor(() => g.audit.records.find((x) => x.decision_id === body.decision_id));
      assert.equal(rec.outcome, 'deny');
      assert.equal(rec.status, 403);
    });
  }

  test('no token: 407 with Proxy-Authenticate, before any upgrade', async () => {
    const r = refused(await openThroughGate(g, `ws://echo.test:${plain.port}/x`, { token: null }));
    assert.equal(r.status, 407);
    assert.match(String(r.headers['proxy-authenticate']), /Basic realm="sluice"/);
    assert.equal((JSON.parse(r.body) as { error: string }).error, 'identity_required');
  });

  test('permessage-deflate offered by the client is negotiated off, and the session works', async () => {
    const c = open(await openThroughGate(g, `ws://echo.test:${plain.port}/deflate`, { perMessageDeflate: true }));
    assert.equal(c.ws.extensions, '');
    assert.equal(plain.extensions.at(-1), '');
    const text = 'compressible '.repeat(1000);
    c.ws.send(text);
    assert.equal(await c.next(), text);
    c.ws.close();
    await c.closed;
  });

  test('an 8 MiB binary message round-trips (both directions under backpressure)', async () => {
    const c = open(await openThroughGate(g, `wss://echo.test:${secure.port}/large`));
    const b = randomBytes(8 * 1024 * 1024);
    c.ws.send(b);
    const got = await c.next();
    assert.ok(Buffer.isBuffer(got) && got.equals(b));
    c.ws.close();
    await c.closed;
  });

  test('an absolute-form ws:// target is proxied like http://', async () => {
    const r = await rawWs(g.port, `ws://echo.test:${plain.port}/ws-scheme`, g.auth);
    assert.match(r.head, /^HTTP\/1\.1 101/);
    r.socket.destroy();
    const rec = await waitFor(() => g.audit.records.find((x) => x.path === '/ws-scheme'));
    assert.equal(rec.scheme, 'http');
    assert.equal(rec.status, 101);
  });

  test('an upgrade to something other than WebSocket is refused with 501', async () => {
    const r = await rawExchange(
      g.port,
      `GET http://echo.test:${plain.port}/ HTTP/1.1\r\nHost: echo.test:${plain.port}\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nProxy-Authorization: ${g.auth}\r\n\r\n`,
    );
    const res = parseRawResponse(r.response);
    assert.equal(res.status, 501);
    assert.equal((JSON.parse(res.body) as { error: string }).error, 'unsupported');
  });
});
