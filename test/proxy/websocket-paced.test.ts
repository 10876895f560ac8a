import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { DlpScanner } from '../../src/inspect/dlp/scanner.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { openThroughGate } from '../helpers/ws-client.js';

/**
 * Long WebSocket messages are inspected in slices with turns for the event loop
 * between them, within a CPU budget per message (issue 10, class 6): order, verdicts,
 * scrubbing and the close on a finding are as for a message scanned whole. Real `ws`
 * clients and servers on loopback, the gate in this process (so the tests can count
 * its event-loop turns, never time them).
 */

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

/** Event-loop turns, counted while `spinning`, and the bytes body scanners got in each. */
let turns = 0;
let spinning = false;
function spin(): void {
  if (!spinning) return;
  turns++;
  setImmediate(spin);
}
const perTurn = new Map<number, number>();
let onFirstPush: (() => void) | null = null;
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(this) below
const origBody = DlpScanner.prototype.bodyScanner;
DlpScanner.prototype.bodyScanner = function (this: DlpScanner, type: string | undefined, max?: number) {
  const inner = origBody.call(this, type, max);
  return {
    push(chunk: Buffer) {
      const hook = onFirstPush;
      onFirstPush = null;
      hook?.();
      if (spinning) perTurn.set(turns, (perTurn.get(turns) ?? 0) + chunk.length);
      return inner.push(chunk);
    },
    end: () => inner.end(),
  };
};

describe('long WebSocket messages are inspected in paced slices', () => {
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

  test('long and short messages sent back to back, both ways and on two sessions at once, keep their order and bytes', async () => {
    const session = async (name: string): Promise<void> => {
      const c = open(await openThroughGate(g, url('/echo'), { perMessageDeflate: false }));
      const sent = [prose(MIB - 64, `${name}-1`), `${name} short 1`, prose(700_000, `${name}-2`), `${name} short 2`, prose(300_000, `${name}-3`), '✓'];
      for (const m of sent) c.ws.send(m);
      // A long one in fragments cut at odd byte offsets, through multi-byte characters.
      const frag = Buffer.from(prose(900_000, `${name}-frag`));
      for (let at = 0; at < frag.length; at += 10_007) c.ws.send(frag.subarray(at, at + 10_007), { binary: false, fin: at + 10_007 >= frag.length });
      sent.push(frag.toString('utf8'));
      for (const m of sent) assert.equal(await receive(c), m);
      c.ws.close(1000);
      assert.equal((await c.closed).code, 1000);
      const mine = up.received.filter((m) => m.includes(name));
      assert.deepEqual(
        mine.map((m) => m.slice(0, 24)),
        sent.filter((m) => m.includes(name)).map((m) => m.slice(0, 24)),
      );
    };
    await Promise.all([session('alpha'), session('beta')]);
  });

  test('a stored secret straddling a slice boundary of a 1 MiB message closes with 1008; the message never reaches the upstream', async () => {
    const before = up.received.length;
    const c = open(await openThroughGate(g, url('/echo-dlp'), { perMessageDeflate: false }));
    c.ws.send(across(prose(MIB - 16, 'dlp'), STORED, 37 * SLICE));
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /dlp_blocked/);
    assert.equal(up.received.length, before, 'nothing reached the upstream');
    const rec = await record('/echo-dlp', 'dlp_blocked');
    assert.equal(rec.outcome, 'deny');
    assert.ok(
      rec.findings.some((f) => f.type === 'known_secret' && f.location === 'ws.message' && f.action === 'block'),
      JSON.stringify(rec.findings),
    );
    assertNoSecret(rec, STORED);
  });

  test("an injection straddling a scan window in the upstream's 1 MiB message closes with 1008 after the clean one before it arrived", async () => {
    const clean = prose(MIB - 16, 'clean');
    up.toSend.push(clean, across(prose(MIB - 16, 'inj'), INJECTION, seam(44)));
    const c = open(await openThroughGate(g, url('/send-inj'), { perMessageDeflate: false }));
    assert.equal(await receive(c), clean);
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /injection_blocked/);
    const rec = await record('/send-inj', 'injection_blocked');
    assert.ok(
      rec.findings.some((f) => f.type.startsWith('prompt_injection:') && f.location === 'ws.message' && f.action === 'block'),
      JSON.stringify(rec.findings),
    );
    assert.ok(!JSON.stringify(rec).includes('Ignore all previous'), 'the audit record does not quote the injection');
  });

  test('an injected secret the upstream hands back across a slice boundary of a 1 MiB message is scrubbed, the rest intact', async () => {
    const text = across(prose(MIB - 16, 'reflect'), INJECTED, 29 * SLICE);
    up.toSend.push(text);
    const c = open(await openThroughGate(g, url('/send-reflect'), { perMessageDeflate: false }));
    const got = String(await receive(c));
    assert.ok(!got.includes(INJECTED) && !got.includes(INJECTED.slice(0, 20)), 'the secret does not reach the agent');
    assert.equal(got, text.replace(INJECTED, '[REDACTED:sluice]'));
    c.ws.close(1000);
    await c.closed;
    const rec = await waitFor(() =>
      g.audit.records.find((r) => r.path === '/send-reflect' && r.status === 101 && r.findings.some((f) => f.type === 'reflected_secret')),
    );
    assertNoSecret(rec, INJECTED);
  });

  test('a long text message that begins like an archive (a zip header, a git push) is read as text and delivered', async () => {
    const c = open(await openThroughGate(g, url('/echo-archive'), { perMessageDeflate: false }));
    for (const head of ['PK\x03\x04', '00940000000000000000000000000000000000000000 d75a39845ad6aa9ca927fc778798cef42a77af7f refs/heads/main\0']) {
      const text = head + prose(60_000, 'archive');
      c.ws.send(text);
      assert.equal(await receive(c), text);
    }
    c.ws.close(1000);
    assert.equal((await c.closed).code, 1000);
  });

  test('a long text message that is not UTF-8 closes with 1007 and never reaches the upstream', async () => {
    const before = up.received.length;
    const c = open(await openThroughGate(g, url('/echo-utf8'), { perMessageDeflate: false }));
    const bad = Buffer.from(prose(200_000, 'bad'));
    bad[150_001] = 0xff;
    c.ws.send(bad, { binary: false });
    assert.equal((await c.closed).code, 1007);
    assert.equal(up.received.length, before);
  });

  test('while a 1 MiB message is scanned the event loop turns, and a small request through the gate is answered before its verdict', async () => {
    const http = await new Promise<Server>((resolve) => {
      const s = createServer((_req, res) => res.end('small answer'));
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const c = open(await openThroughGate(g, url('/echo-turns'), { perMessageDeflate: false }));
    const big = prose(MIB - 16, 'turns');
    const order: string[] = [];
    const small = new Promise<void>((resolve, reject) => {
      // Sent once the gate has begun scanning the long message.
      onFirstPush = () => {
        const req = request(
          {
            host: '127.0.0.1',
            port: g.port,
            path: `http://up.test:${(http.address() as AddressInfo).port}/small`,
            headers: { 'proxy-authorization': g.auth },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              order.push(`small ${res.statusCode}`);
              resolve();
            });
          },
        );
        req.on('error', reject);
        req.end();
      };
    });
    up.onMessage = () => order.push('verdict');
    perTurn.clear();
    spinning = true;
    setImmediate(spin);
    c.ws.send(big);
    assert.equal(await receive(c), big);
    spinning = false;
    up.onMessage = null;
    assert.equal(onFirstPush, null, 'the long message went to the scanner in slices');
    await small;
    http.closeAllConnections();
    http.close();
    c.ws.close(1000);
    await c.closed;
    assert.deepEqual(order, ['small 200', 'verdict'], 'the small request was answered while the long message was being inspected');
    const scanned = [...perTurn.values()].reduce((a, b) => a + b, 0);
    assert.ok(scanned >= Buffer.byteLength(big), `${scanned} bytes scanned`);
    // A message scanned whole went through the scanner in one turn; in slices, at most a few per turn.
    const worst = Math.max(...perTurn.values());
    assert.ok(worst <= 4 * SLICE, `${worst} bytes scanned in one event-loop turn`);
    assert.ok(perTurn.size >= 16, `only ${perTurn.size} turns scanned the 1 MiB message`);
  });
});
