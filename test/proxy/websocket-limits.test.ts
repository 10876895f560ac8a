import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { encodeFrame, OP, payloadOf } from '../../src/proxy/websocket/frames.js';
import { exec, SLUICE_BIN } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startUpstream } from '../helpers/upstream.js';
import { isOpen, openThroughGate, type GateWs, type RefusedUpgrade } from '../helpers/ws-client.js';
import { startWsEcho, type WsEcho } from '../helpers/ws-echo.js';
import { rawWs } from '../helpers/ws-raw.js';

const SECRET = `sk-canary-${randomBytes(16).toString('hex')}`;

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

describe('WebSocket limits, binary rule, protocol errors and credentials', () => {
  let echo: WsEcho;
  let g: TestGate;
  before(async () => {
    echo = await startWsEcho();
    g = await startTestGate(
      `
dns:
  hosts:
    echo.test: 127.0.0.1
    cred.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
inspect:
  websocket:
    binary: deny
    max_message_bytes: 2048
rules:
  - id: echo
    hosts: [echo.test]
  - id: echo-cred
    hosts: [cred.test]
    credential: { secret: billing_key, header: authorization, value: "Bearer {{secret}}", allow_plaintext: true }
`,
      { secrets: { billing_key: SECRET } },
    );
  });
  after(async () => {
    await g.close();
    await echo.close();
  });

  test('binary: deny closes the session with 1008 at the first binary frame, which never reaches the upstream', async () => {
    const before = echo.received.length;
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/bin`));
    c.ws.send('text is fine');
    assert.equal(await c.next(), 'text is fine');
    c.ws.send(randomBytes(10));
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /ws_binary_denied/);
    assert.deepEqual(echo.received.slice(before), ['text is fine']);
    const rec = await waitFor(() => g.audit.records.find((r) => r.path === '/bin' && r.status === 101));
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'ws_binary_denied');
  });

  test('a text message over max_message_bytes closes with 1009 and is not forwarded', async () => {
    const before = echo.received.length;
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/big`));
    c.ws.send('a'.repeat(2048));
    assert.equal((await c.next()).length, 2048);
    // Fragments count together: 1500 + 1500 is over the limit.
    c.ws.send('b'.repeat(1500), { fin: false });
    c.ws.send('b'.repeat(1500), { fin: true });
    assert.equal((await c.closed).code, 1009);
    assert.equal(echo.received.length, before + 1);
    const rec = await waitFor(() => g.audit.records.find((r) => r.path === '/big' && r.status === 101));
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'ws_message_too_big');
  });

  test('an unmasked frame from the agent is a protocol error: 1002, audited', async () => {
    const r = await rawWs(g.port, `http://echo.test:${echo.port}/raw`, g.auth);
    assert.match(r.head, /x-sluice-decision: /);
    r.socket.write(encodeFrame({ fin: true, opcode: OP.text, payload: Buffer.from('not masked'), mask: null }));
    assert.equal(await r.closeCode, 1002);
    const rec = await waitFor(() => g.audit.records.find((x) => x.path === '/raw'));
    assert.equal(rec.outcome, 'error');
    assert.equal(rec.reason, 'ws_protocol_error');
  });

  test('a masked, well-formed raw session with ping and close: the upstream answers, the gate relays', async () => {
    const r = await rawWs(g.port, `http://echo.test:${echo.port}/raw-ok`, g.auth);
    r.socket.write(encodeFrame({ fin: true, opcode: OP.ping, payload: Buffer.from('hi'), mask: 'new' }));
    r.socket.write(encodeFrame({ fin: true, opcode: OP.text, payload: Buffer.from('masked'), mask: 'new' }));
    await waitFor(() => (r.frames.some((f) => f.opcode === OP.text) ? true : undefined));
    const pong = r.frames.find((f) => f.opcode === OP.pong);
    assert.equal(pong && payloadOf(pong).toString(), 'hi');
    const text = r.frames.find((f) => f.opcode === OP.text);
    assert.equal(text && payloadOf(text).toString(), 'masked');
    assert.ok(
      r.frames.every((f) => f.mask === null),
      'frames to the agent are unmasked',
    );
    const close = Buffer.alloc(2);
    close.writeUInt16BE(1000);
    r.socket.write(encodeFrame({ fin: true, opcode: OP.close, payload: close, mask: 'new' }));
    assert.equal(await r.closeCode, 1000);
    const rec = await waitFor(() => g.audit.records.find((x) => x.path === '/raw-ok'));
    assert.equal(rec.outcome, 'allow');
    assert.equal(rec.error, null);
  });

  test('an upstream that answers without switching protocols gets the agent a 502, not a half-open socket', async () => {
    const http = await startUpstream();
    try {
      const r = await openThroughGate(g, `ws://echo.test:${http.port}/not-ws`);
      if (isOpen(r)) assert.fail('expected a refusal');
      assert.equal(r.status, 502);
      const body = JSON.parse(r.body) as { error: string; reason: string; decision_id: string };
      assert.equal(body.error, 'upstream_failed');
      assert.match(body.reason, /answered 200 instead of switching/);
      // A failure of the upstream, not a refusal: the record says so (the refusal table's `failure`).
      const rec = await waitFor(() => g.audit.records.find((x) => x.decision_id === body.decision_id));
      assert.equal(rec.outcome, 'error');
      assert.equal(rec.error, 'upstream_failed');
    } finally {
      await http.close();
    }
  });

  test('revoking the session (from another process) cuts its open plain WebSocket session', async () => {
    const token = await g.mint({ session: 'ses_wsrevoke1' });
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/revoke`, { token }));
    c.ws.send('before');
    assert.equal(await c.next(), 'before');
    const r = await exec(process.execPath, [SLUICE_BIN, 'revoke', '--session', 'ses_wsrevoke1', '--config', g.configFile]);
    assert.equal(r.code, 0, r.stderr);
    const closed = await Promise.race([c.closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000))]);
    assert.notEqual(closed, null, 'the session was closed');
    await waitFor(() => g.audit.records.find((x) => x.path === '/revoke'));
  });

  test("a rule's header credential is injected into the upstream upgrade request; the agent never sees it", async () => {
    const c = open(await openThroughGate(g, `ws://cred.test:${echo.port}/cred`));
    assert.equal(echo.upgrades.at(-1)!.authorization, `Bearer ${SECRET}`);
    c.ws.send('hello');
    assert.equal(await c.next(), 'hello');
    c.ws.close();
    await c.closed;
    const rec = await waitFor(() => g.audit.records.find((x) => x.path === '/cred'));
    assert.equal(rec.credential, 'billing_key');
    assert.equal(rec.rule, 'echo-cred');
    assert.ok(!JSON.stringify(rec).includes(SECRET));
  });
});
