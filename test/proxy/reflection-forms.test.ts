import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ProxyAgent, fetch as Fetch } from 'undici';
import { WebSocketServer } from 'ws';
import { reflectionCases } from '../../bench/detection/attacks-reflection.js';
import type { DetectionCase } from '../../bench/detection/case.js';
import { leaks } from '../../bench/detection/eval-reflection.js';
import { prefixLength } from '../../src/credentials/reflection-needles.js';
import { LeafMinter } from '../../src/tls/leaf-minter.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { upstreamPki } from '../helpers/pki.js';
import { isOpen, openThroughGate } from '../helpers/ws-client.js';

/**
 * Every echo form of the reflection corpus, served by a real upstream on loopback and
 * read through a running gate by real clients (Node's fetch, the `ws` client): the
 * credential the gate can inject must not be readable in any of them, in any spelling.
 */
const CASES = reflectionCases();
const isWs = (c: DetectionCase): boolean => c.input.messages !== undefined || c.input.frames !== undefined;
const SECRETS = [...new Set(CASES.flatMap((c) => Object.values(c.secrets ?? {})))];
const NAMES = Object.fromEntries(SECRETS.map((v, i) => [`s${i}`, v]));

/** An upstream that answers `/case/N` (and a WebSocket on `/ws/N`) with case N's response. */
async function startEcho(names: string[]): Promise<{ port: number; close(): Promise<void> }> {
  const pki = await upstreamPki();
  const minter = new LeafMinter(pki.ca);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const c = CASES[Number(/^\/case\/(\d+)/.exec(req.url ?? '')?.[1] ?? -1)];
    if (!c) return void res.writeHead(404).end();
    const { headers = {}, body = '', status } = c.input;
    res.writeHead(status?.code ?? 200, status?.reason ?? 'OK', headers).end(body);
  };
  const server = createServer(
    {
      key: minter.keyPem,
      cert: minter.mint(names[0]!).chainPem,
      SNICallback: (name, cb) =>
        void pki.leaves.get(name).then(
          (ctx) => cb(null, ctx),
          (err: Error) => cb(err),
        ),
    },
    handler,
  );
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    const c = CASES[Number(/^\/ws\/(\d+)/.exec(req.url ?? '')?.[1] ?? -1)];
    const frames = [...(c?.input.messages ?? []).map((m) => ({ type: typeof m === 'string' ? 'text' : 'binary', data: m })), ...(c?.input.frames ?? [])];
    for (const f of frames) {
      if (f.type === 'text') ws.send(String(f.data));
      else if (f.type === 'binary') ws.send(Buffer.from(f.data));
      else if (f.type === 'ping') ws.ping(Buffer.from(f.data));
      else if (f.type === 'pong') ws.pong(Buffer.from(f.data));
      else {
        const p = Buffer.from(f.data);
        return ws.close(p.readUInt16BE(0), p.subarray(2).toString('latin1'));
      }
    }
    ws.close(1000, 'done');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a credential the gate can inject never comes back, in any echo form (issue 13)', () => {
  let g: TestGate;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let dispatcher: ProxyAgent;
  let fetchFn: typeof Fetch;

  before(async () => {
    echo = await startEcho(['echo.acme.test', 'plain.acme.test']);
    // Each secret belongs to a rule that can inject it: every response to the tenant is scrubbed of all.
    const keep = SECRETS.map(
      (_, i) => `  - id: keep-${i}\n    hosts: [api${i}.acme.test]\n    credential: { secret: s${i}, header: authorization, value: "Bearer {{secret}}" }`,
    ).join('\n');
    g = await startTestGate(
      `
dns:
  hosts:
    echo.acme.test: 127.0.0.1
    plain.acme.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: echo
    hosts: [echo.acme.test]
  - id: plain
    hosts: [plain.acme.test]
    inspect: { injection: off }
${keep}
`,
      { secrets: NAMES },
    );
    const undici = await import('undici');
    dispatcher = new undici.ProxyAgent({ uri: g.url, token: g.auth, requestTls: { ca: g.caPem } });
    fetchFn = undici.fetch;
  });
  after(async () => {
    await dispatcher.close();
    await g.close();
    await echo.close();
  });

  /** Status text, every header value (and all joined), and the body, as the agent read them. */
  async function read(host: string, i: number): Promise<{ parts: Buffer[]; body: Buffer; headers: Headers; status: number }> {
    const r = await fetchFn(`https://${host}:${echo.port}/case/${i}`, { dispatcher });
    const body = Buffer.from(await r.arrayBuffer());
    const values = [...r.headers.values()];
    const parts = [Buffer.from(r.statusText, 'latin1'), ...values.map((v) => Buffer.from(v, 'latin1')), Buffer.from(values.join(''), 'latin1'), body];
    return { parts, body, headers: r.headers as unknown as Headers, status: r.status };
  }

  for (const host of ['echo.acme.test', 'plain.acme.test']) {
    test(`HTTP echoes (${host}): JSON \\u, HTML entities, percent, hex, base64 wrapped, prefixes, split headers, compressed, UTF-16, reason phrase`, async () => {
      let n = 0;
      for (const [i, c] of CASES.entries()) {
        if (c.kind !== 'attack' || isWs(c)) continue;
        const got = await read(host, i);
        assert.equal(got.status, c.input.status?.code ?? 200, c.id);
        for (const s of Object.values(c.secrets ?? {})) assert.ok(!leaks(got.parts, s), `${c.id}: the secret can be read in what the agent received`);
        assert.ok(
          got.parts.some((p) => p.includes('[REDACTED:sluice]')),
          `${c.id}: no marker`,
        );
        n++;
      }
      assert.ok(n > 250, `${n} HTTP cases`);
    });
  }

  test('benign look-alikes pass unchanged', async () => {
    for (const [i, c] of CASES.entries()) {
      if (c.kind !== 'benign' || isWs(c)) continue;
      const got = await read('echo.acme.test', i);
      assert.ok(!got.parts.some((p) => p.includes('[REDACTED')), `${c.id} was altered`);
      assert.ok(got.body.equals(Buffer.from(c.input.body ?? '')), c.id);
      if (c.input.headers?.['x-echo'] !== undefined) assert.equal(got.headers.get('x-echo'), c.input.headers['x-echo'], c.id);
    }
  });

  test('WebSocket: split across messages, binary, ping, pong and close payloads are scrubbed; benign messages pass', async () => {
    let n = 0;
    for (const [i, c] of CASES.entries()) {
      if (!isWs(c)) continue;
      const ws = await openThroughGate(g, `wss://echo.acme.test:${echo.port}/ws/${i}`);
      assert.ok(isOpen(ws), c.id);
      const messages: Buffer[] = [];
      const control: Buffer[] = [];
      ws.ws.on('message', (d: Buffer) => messages.push(Buffer.from(d)));
      ws.ws.on('ping', (d: Buffer) => control.push(Buffer.from(d)));
      ws.ws.on('pong', (d: Buffer) => control.push(Buffer.from(d)));
      const closed = await ws.closed;
      const parts = [...messages, Buffer.concat(messages), ...control, Buffer.concat(control), Buffer.from(closed.reason)];
      const expected = (c.input.messages?.length ?? 0) + (c.input.frames ?? []).filter((f) => f.type === 'text' || f.type === 'binary').length;
      assert.equal(messages.length, expected, `${c.id}: every message arrives`);
      if (c.kind === 'benign') {
        assert.ok(!parts.some((p) => p.includes('[REDACTED')), `${c.id} was altered`);
        continue;
      }
      for (const s of Object.values(c.secrets ?? {})) assert.ok(!leaks(parts, s), `${c.id}: the secret can be read in what the agent received`);
      if (c.input.frames?.some((f) => f.type === 'close')) assert.equal(closed.code, 4000, c.id);
      n++;
    }
    assert.ok(n >= 60, `${n} WebSocket cases`);
  });

  test('no secret, nor a prefix of one, in the logs or the audit trail; the scrubs are recorded', () => {
    const logs = JSON.stringify(g.logs);
    const audit = JSON.stringify(g.audit.records);
    for (const s of SECRETS) {
      const probe = s.slice(0, prefixLength(s.length) || s.length);
      assert.ok(!logs.includes(probe) && !logs.includes(JSON.stringify(probe).slice(1, -1)), 'log');
      assert.ok(!audit.includes(probe) && !audit.includes(JSON.stringify(probe).slice(1, -1)), 'audit');
    }
    assert.ok(g.audit.records.some((r) => r.findings.some((f) => f.type === 'reflected_secret' && f.location.startsWith('ws.'))));
    // Every echo read over HTTP is recorded, the reason phrase's alone included.
    const echoed = new Set(CASES.flatMap((c, i) => (c.kind === 'attack' && !isWs(c) ? [`/case/${i}`] : [])));
    const reads = g.audit.records.filter((r) => echoed.has(r.path));
    assert.ok(reads.length >= 2 * echoed.size, `${reads.length} records`);
    for (const r of reads)
      assert.ok(
        r.findings.some((f) => f.type === 'reflected_secret' && f.location === 'response'),
        `${r.path} recorded no reflected_secret`,
      );
  });
});
