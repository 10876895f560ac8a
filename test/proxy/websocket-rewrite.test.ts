import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { openThroughGate } from '../helpers/ws-client.js';
import {
  across,
  assertNoSecret,
  CONFIG,
  INJECTED,
  INJECTION,
  MIB,
  open,
  prose,
  receive,
  SLICE,
  startUpstream,
  STORED,
  waitFor,
  seam,
  type Upstream,
} from '../helpers/ws-long.js';

/**
 * Long WebSocket messages that must be rewritten (redact, strip, a scrubbed binary frame)
 * or whose inspection outruns its budget: through the gate, real `ws` clients and
 * servers on loopback (issue 10, class 6; see websocket-paced.test.ts).
 */

describe('long WebSocket messages rewritten, and long binary frames, in slices', () => {
  let up: Upstream;
  let g: TestGate;
  before(async () => {
    up = await startUpstream();
    g = await startTestGate(CONFIG, { secrets: { billing_key: STORED, api_token: INJECTED } });
  });
  after(async () => {
    await g.close();
    await up.close();
  });
  const url = (path: string): string => `ws://up.test:${up.port}${path}`;
  const record = (path: string, reason: string): Promise<AuditRecord> =>
    waitFor(() => g.audit.records.find((r) => r.path === path && r.status === 101 && r.reason === reason));

  test('redact and strip rewrite a long message as they rewrite a short one, the secret or the injection across a slice boundary', async () => {
    const c = open(await openThroughGate(g, `ws://rewrite.test:${up.port}/echo-rewrite`, { perMessageDeflate: false }));
    for (const size of [4000, MIB - 16]) {
      const text = across(prose(size, `redact-${size}`), STORED, size > SLICE ? 23 * SLICE : 2000);
      const before = up.received.length;
      c.ws.send(text);
      // Out: the stored secret redacted (DLP); back: the echo, unchanged (it is clean now).
      const got = String(await receive(c));
      const sent = up.received[before]!;
      assert.ok(!sent.includes(STORED) && !got.includes(STORED), 'the secret never left');
      assert.equal(sent, text.replace(STORED, '[REDACTED:known_secret]'));
      assert.equal(got, sent);
    }
    for (const size of [4000, MIB - 4096]) {
      const lines = prose(size, `strip-${size}`).replace(/ (?=[a-z]+-\d+ )/g, '\n');
      const at = lines.indexOf('\n', size > SLICE ? seam(70) - 40 : 2000);
      const text = `${lines.slice(0, at)}\n${INJECTION}${lines.slice(at)}`;
      c.ws.send(text);
      // Out: nothing to redact; back: the line with the injection stripped.
      const got = String(await receive(c));
      assert.equal(got, lines);
    }
    c.ws.close(1000);
    await c.closed;
    const rec = await waitFor(() => g.audit.records.find((r) => r.path === '/echo-rewrite' && r.status === 101));
    assert.equal(rec.outcome, 'allow');
    assert.ok(
      rec.findings.some((f) => f.type === 'known_secret' && f.action === 'redact'),
      JSON.stringify(rec.findings),
    );
    assert.ok(
      rec.findings.some((f) => f.type.startsWith('prompt_injection:') && f.action === 'redact'),
      JSON.stringify(rec.findings),
    );
    assertNoSecret(rec, STORED);
  });

  test('long binary frames are scanned and scrubbed in slices: a secret across a slice boundary closes the session, a reflected one is replaced', async () => {
    const binary = (size: number, tag: number): Buffer => {
      const b = Buffer.alloc(size);
      for (let i = 0; i < size; i++) b[i] = (i * 31 + tag) & 0xff;
      return b;
    };
    // From the upstream: one 2 MiB frame with the injected secret across a slice boundary, scrubbed on the way.
    const down = binary(2 * MIB, 1);
    Buffer.from(INJECTED).copy(down, 41 * SLICE - 10);
    up.toSend.push(down);
    const c = open(await openThroughGate(g, url('/send-binary'), { perMessageDeflate: false }));
    const got = (await receive(c)) as Buffer;
    assert.ok(Buffer.isBuffer(got) && got.indexOf(INJECTED) === -1 && got.indexOf(INJECTED.slice(0, 16)) === -1, 'the secret does not reach the agent');
    assert.ok(
      got.equals(Buffer.concat([down.subarray(0, 41 * SLICE - 10), Buffer.from('[REDACTED:sluice]'), down.subarray(41 * SLICE - 10 + INJECTED.length)])),
    );
    // To the upstream: a clean 2 MiB frame arrives whole; one with a stored secret across a slice boundary closes the session.
    const clean = binary(2 * MIB, 2);
    c.ws.send(clean);
    assert.ok(((await receive(c)) as Buffer).equals(clean));
    const before = up.received.length;
    const leak = binary(2 * MIB, 3);
    Buffer.from(STORED).copy(leak, 77 * SLICE - 12);
    c.ws.send(leak);
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /dlp_blocked/);
    assert.equal(up.received.length, before, 'the message never completed upstream');
    const rec = await record('/send-binary', 'dlp_blocked');
    assert.ok(
      rec.findings.some((f) => f.type === 'reflected_secret'),
      JSON.stringify(rec.findings),
    );
    assert.ok(
      rec.findings.some((f) => f.type === 'known_secret' && f.action === 'block'),
      JSON.stringify(rec.findings),
    );
    assertNoSecret(rec, STORED);
    assertNoSecret(rec, INJECTED);
  });
});

describe('a WebSocket message whose inspection outruns its budget closes the session', () => {
  let up: Upstream;
  let g: TestGate;
  before(async () => {
    up = await startUpstream();
    // A budget of 0 ms: any inspection exhausts it, so the refusal is deterministic.
    g = await startTestGate(`${CONFIG}inspect:\n  scan_budget_ms: 0\n`, { secrets: { billing_key: STORED, api_token: INJECTED } });
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  test('1008 inspection_budget_exceeded to the agent, nothing to the upstream, and an audit record that says so', async () => {
    const c = open(await openThroughGate(g, `ws://up.test:${up.port}/echo`, { perMessageDeflate: false }));
    c.ws.send(prose(MIB - 16, 'budget'));
    const closed = await Promise.race([c.closed, c.next().then((m) => assert.fail(`the message came back (${String(m).length} characters)`))]);
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /inspection_budget_exceeded/);
    assert.deepEqual(up.received, []);
    const rec = await waitFor(() => g.audit.records.find((r) => r.path === '/echo' && r.status === 101));
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'inspection_budget_exceeded');
    assert.ok(
      rec.findings.some((f) => f.type === 'inspection_budget_exceeded' && f.location === 'ws.message' && f.action === 'block'),
      JSON.stringify(rec.findings),
    );
  });
});
