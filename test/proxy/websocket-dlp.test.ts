import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { encodeFrame, OP, payloadOf } from '../../src/proxy/websocket/frames.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { isOpen, openThroughGate, type GateWs, type RefusedUpgrade } from '../helpers/ws-client.js';
import { startWsEcho, type WsEcho } from '../helpers/ws-echo.js';
import { rawWs } from '../helpers/ws-raw.js';

// A secret the gate holds in its store; random per run so nothing passes by coincidence.
const SECRET = `canary-${randomBytes(16).toString('hex')}`;

function open(r: GateWs | RefusedUpgrade): GateWs {
  if (!isOpen(r)) assert.fail(`expected an upgrade, got ${r.status}: ${r.body}`);
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
  for (const form of [SECRET, SECRET.slice(0, 20), SECRET.slice(-20), Buffer.from(SECRET).toString('base64')])
    assert.ok(!text.includes(form), 'no form of the secret in the audit record');
}

describe('WebSocket DLP: binary messages, control payloads, secrets across messages', () => {
  let echo: WsEcho;
  let g: TestGate;
  before(async () => {
    echo = await startWsEcho();
    g = await startTestGate(
      `
dns:
  hosts:
    echo.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
inspect:
  websocket:
    max_message_bytes: 4096
rules:
  - id: echo
    hosts: [echo.test]
`,
      { secrets: { billing_key: SECRET } },
    );
  });
  after(async () => {
    await g.close();
    await echo.close();
  });

  /** The session's audit record, once it has ended with `reason`. */
  const blockedRecord = (path: string): Promise<AuditRecord> =>
    waitFor(() => g.audit.records.find((r) => r.path === path && r.status === 101 && r.reason === 'dlp_blocked'));

  const binaries = [
    { name: 'UTF-8 text', bytes: () => Buffer.from(`{"note":"the key is ${SECRET}"}`) },
    {
      name: 'base64 inside binary',
      bytes: () => Buffer.concat([randomBytes(64), Buffer.from(` ${Buffer.from(SECRET).toString('base64')} `), randomBytes(64)]),
    },
    {
      name: 'latin1 bytes around it',
      bytes: () => Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xe9]), Buffer.from(SECRET, 'latin1'), Buffer.from([0x00, 0x81])]),
    },
  ];
  for (const [i, b] of binaries.entries()) {
    test(`a binary message carrying the secret (${b.name}) closes with 1008 and never reaches the upstream`, async () => {
      const path = `/bin-${i}`;
      const before = echo.received.length;
      const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}${path}`));
      c.ws.send(randomBytes(100));
      assert.equal((await c.next()).length, 100);
      c.ws.send(b.bytes());
      const closed = await c.closed;
      assert.equal(closed.code, 1008);
      assert.match(closed.reason, /dlp_blocked/);
      assert.deepEqual(echo.received.slice(before), [{ binaryBytes: 100 }]);
      const rec = await blockedRecord(path);
      assert.equal(rec.outcome, 'deny');
      assert.ok(
        rec.findings.some((f) => f.type === 'known_secret' && f.location === 'ws.message' && f.action === 'block'),
        JSON.stringify(rec.findings),
      );
      assertNoSecret(rec);
    });
  }

  test('a secret split across the fragments of one binary message: nothing reaches the upstream', async () => {
    const before = echo.received.length;
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/bin-frag`));
    c.ws.send(Buffer.from(`key=${SECRET.slice(0, 12)}`), { binary: true, fin: false });
    c.ws.send(Buffer.from(`${SECRET.slice(12)};`), { binary: true, fin: true });
    assert.equal((await c.closed).code, 1008);
    assert.equal(echo.received.length, before);
    assertNoSecret(await blockedRecord('/bin-frag'));
  });

  test('clean binary messages, fragmented and far over the hold limit, arrive intact', async () => {
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/bin-big`));
    const big = randomBytes(300 * 1024);
    for (let at = 0; at < big.length; at += 10 * 1024) c.ws.send(big.subarray(at, at + 10 * 1024), { binary: true, fin: at + 10 * 1024 >= big.length });
    const got = await c.next();
    assert.ok(Buffer.isBuffer(got) && got.equals(big));
    c.ws.send(Buffer.alloc(0));
    assert.equal((await c.next()).length, 0);
    c.ws.close(1000);
    assert.equal((await c.closed).code, 1000);
  });

  test('a large binary message with the secret near its end: the upstream never gets a complete message', async () => {
    const before = echo.received.length;
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/bin-big-secret`));
    const tail = Buffer.concat([randomBytes(30 * 1024), Buffer.from(` ${SECRET} `), randomBytes(100)]);
    for (let i = 0; i < 20; i++) c.ws.send(randomBytes(10 * 1024), { binary: true, fin: false });
    c.ws.send(tail, { binary: true, fin: true });
    assert.equal((await c.closed).code, 1008);
    assert.equal(echo.received.length, before, 'no message completed upstream');
    assertNoSecret(await blockedRecord('/bin-big-secret'));
  });

  test('a ping carrying the secret is not forwarded: 1008, and no pong echoes it back', async () => {
    const pings = echo.pings.length;
    const r = await rawWs(g.port, `http://echo.test:${echo.port}/ping`, g.auth);
    r.socket.write(encodeFrame({ fin: true, opcode: OP.ping, payload: Buffer.from('harmless'), mask: 'new' }));
    await waitFor(() => (r.frames.some((f) => f.opcode === OP.pong) ? true : undefined));
    r.socket.write(encodeFrame({ fin: true, opcode: OP.ping, payload: Buffer.from(SECRET), mask: 'new' }));
    assert.equal(await r.closeCode, 1008);
    assert.deepEqual(
      echo.pings.slice(pings).map((p) => p.toString()),
      ['harmless'],
    );
    assert.ok(!r.frames.some((f) => payloadOf(f).toString('latin1').includes(SECRET)));
    assertNoSecret(await blockedRecord('/ping'));
  });

  test("a close reason carrying the secret: the upstream gets the gate's 1008, not the agent's reason", async () => {
    const closes = echo.closes.length;
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/close-reason`));
    c.ws.send('hello');
    assert.equal(await c.next(), 'hello');
    c.ws.close(4000, SECRET.slice(0, 120));
    assert.equal((await c.closed).code, 1008);
    const up = await waitFor(() => echo.closes[closes]);
    assert.equal(up.code, 1008);
    assert.ok(!up.reason.includes(SECRET.slice(0, 20)));
    assertNoSecret(await blockedRecord('/close-reason'));
  });

  test('a secret split across two text messages behind labels: the first is relayed, the second closes with 1008', async () => {
    const before = echo.received.length;
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/across`));
    const first = `part1: ${SECRET.slice(0, 16)}`;
    c.ws.send(first);
    assert.equal(await c.next(), first);
    c.ws.send(`part2: ${SECRET.slice(16)}`);
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    assert.deepEqual(echo.received.slice(before), [first]);
    const rec = await blockedRecord('/across');
    const f = rec.findings.find((x) => x.type === 'known_secret');
    assert.ok(f, JSON.stringify(rec.findings));
    assert.match(f.detail ?? '', /split across messages/);
    assertNoSecret(rec);
  });

  // A key in disguise: accented Latin letters (every char under U+0100, the text a Latin-1
  // string), Cyrillic look-alikes, a no-break space and a NUL inside it.
  const KEY = 'AKIAQYLPMN5HHHFPZAM2';
  for (const [name, text] of [
    ['accented letters', `key ${KEY.replace(/A/g, '\u00c1').replace(/I/g, '\u00cd')} ok`],
    ['Cyrillic look-alikes', `key ${KEY.replace(/A/g, '\u0410').replace(/M/g, '\u041c')} ok`],
    ['a no-break space and a NUL', `key ${KEY.slice(0, 6)}\u00a0${KEY.slice(6, 12)}\u0000${KEY.slice(12)} ok`],
  ] as const) {
    test(`a text message with a key written in ${name} closes with 1008`, async () => {
      const path = `/disguised-${name.replace(/\W+/g, '-')}`;
      const before = echo.received.length;
      const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}${path}`));
      c.ws.send('hello');
      assert.equal(await c.next(), 'hello');
      c.ws.send(text);
      const closed = await c.closed;
      assert.equal(closed.code, 1008);
      assert.deepEqual(echo.received.slice(before), ['hello']);
      const rec = await blockedRecord(path);
      assert.ok(
        rec.findings.some((f) => f.type === 'aws_access_key_id' && f.action === 'block'),
        JSON.stringify(rec.findings),
      );
    });
  }

  test('a secret split between a text and a binary message is caught too', async () => {
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/across-bin`));
    c.ws.send(`here ${SECRET.slice(0, 10)}`);
    await c.next();
    c.ws.send(Buffer.from(SECRET.slice(10)));
    assert.equal((await c.closed).code, 1008);
    assertNoSecret(await blockedRecord('/across-bin'));
  });

  test('an ordinary conversation in many small messages is relayed whole', async () => {
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/chat`));
    const words =
      'please summarise issue 4111 1111 then 1111 1111 and the commit 4f1c0b2e9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b for build 550e8400-e29b-41d4-a716-446655440000 thanks'.split(
        ' ',
      );
    for (const w of words) {
      c.ws.send(`${w} `);
      assert.equal(await c.next(), `${w} `);
    }
    c.ws.ping(Buffer.from('keepalive'));
    c.ws.close(1000, 'done');
    assert.equal((await c.closed).code, 1000);
    const rec = await waitFor(() => g.audit.records.find((r) => r.path === '/chat' && r.status === 101));
    assert.equal(rec.outcome, 'allow');
    assert.deepEqual(rec.findings, []);
  });
});
