/**
 * `sluice kill` (a real CLI process on the gate's data directory) against a real gate:
 * new requests are refused 503 gate_killed, and what is open ends (a plain streamed
 * download, an SSE download inside an intercepted tunnel, a WebSocket, a passthrough
 * tunnel), each record saying gate_killed and naming the kill; `--off` restores. A
 * tenant's kill stops that tenant only.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import type { AuditRecord } from '../../src/audit/fields.js';
import { exec, SLUICE_BIN } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { basic, BOUND_MS, connectTunnel, download, get, startTicker, waitFor } from '../helpers/open-exchanges.js';
import { upstreamPki } from '../helpers/pki.js';
import { isOpen, openThroughGate } from '../helpers/ws-client.js';
import { startWsEcho, type WsEcho } from '../helpers/ws-echo.js';

describe('sluice kill: refuses all traffic and ends what is open; --off restores', () => {
  let g: TestGate;
  let plain: { port: number; close(): Promise<void> };
  let sse: { port: number; close(): Promise<void> };
  let echo: WsEcho;
  before(async () => {
    const pki = await upstreamPki();
    plain = await startTicker(false);
    sse = await startTicker(true);
    echo = await startWsEcho();
    g = await startTestGate(`
tls:
  upstream_ca: ${pki.caFile}
  passthrough: [pass.test]
dns:
  hosts:
    plain.test: 127.0.0.1
    sse.test: 127.0.0.1
    ws.test: 127.0.0.1
    pass.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: all
    hosts: [plain.test, sse.test, ws.test, pass.test]
`);
  });
  after(async () => {
    await g.close();
    await plain.close();
    await sse.close();
    await echo.close();
  });

  const sluice = async (...args: string[]): Promise<string> => {
    const r = await exec(process.execPath, [SLUICE_BIN, ...args, '--config', g.configFile]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const killId = (stdout: string): string => /^kill (k\d+) /.exec(stdout)?.[1] ?? assert.fail(`no kill id in ${stdout}`);
  const recordOf = (pred: (r: AuditRecord) => boolean, what: string): Promise<AuditRecord> => waitFor(what, () => g.audit.records.find(pred));
  const plainUrl = (path: string): string => `http://plain.test:${plain.port}${path}`;

  test('a global kill ends a streamed download, an intercepted SSE, a WebSocket and a passthrough tunnel, and refuses new traffic', async () => {
    const auth = basic(await g.mint({ session: 'ses_kill_all' }));
    const stream = download({ port: g.port, path: plainUrl('/stream-killed'), host: `plain.test:${plain.port}`, auth });
    const raw = await connectTunnel(g, `sse.test:${sse.port}`, auth);
    if (typeof raw === 'string') assert.fail(`CONNECT refused: ${raw}`);
    const tls = tlsConnect({ socket: raw, servername: 'sse.test', ca: [g.caPem], ALPNProtocols: ['http/1.1'] });
    const inTunnel = download({ createConnection: () => tls, path: '/sse-killed', host: `sse.test:${sse.port}` });
    const ws = await openThroughGate(g, `ws://ws.test:${echo.port}/ws-killed`, { token: await g.mint({ session: 'ses_kill_ws' }) });
    if (!isOpen(ws)) assert.fail(`no upgrade: ${ws.status} ${ws.body}`);
    ws.ws.send('hi');
    assert.equal(await ws.next(), 'hi');
    const pass = await connectTunnel(g, `pass.test:${sse.port}`, basic(await g.mint({ session: 'ses_kill_pass' })));
    if (typeof pass === 'string') assert.fail(`CONNECT refused: ${pass}`);
    pass.on('error', () => undefined);
    const passClosed = new Promise<void>((r) => pass.once('close', () => r()));
    await waitFor('the plain download to stream', () => (stream.bytes() > 0 ? true : undefined));
    await waitFor('the tunnelled download to stream', () => (inTunnel.bytes() > 0 ? true : undefined));

    const id = killId(await sluice('kill', '--reason', 'drill'));

    assert.equal(await waitFor('the plain download to end', () => stream.ended()), 'cut');
    assert.equal(await waitFor('the SSE in the tunnel to end', () => inTunnel.ended()), 'cut');
    const closed = await Promise.race([ws.closed, new Promise<null>((r) => setTimeout(() => r(null), BOUND_MS))]);
    assert.ok(closed, 'the WebSocket outlived the kill');
    assert.equal(closed.code, 1008);
    const passCut = await Promise.race([passClosed.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), BOUND_MS))]);
    assert.ok(passCut, 'the passthrough tunnel outlived the kill');
    for (const [path, what] of [
      ['/stream-killed', 'the plain download'],
      ['/sse-killed', 'the SSE download'],
      ['/ws-killed', 'the WebSocket'],
    ] as const) {
      const rec = await recordOf((r) => r.path === path, `the record of ${what}`);
      assert.equal(rec.outcome, 'deny', what);
      assert.equal(rec.reason, 'gate_killed', what);
      assert.equal(rec.rule, `kill:${id}`, what);
    }
    const passRec = await recordOf((r) => r.method === 'CONNECT' && r.session === 'ses_kill_pass', 'the passthrough CONNECT record');
    assert.equal(passRec.reason, 'gate_killed');
    assert.equal(passRec.rule, `kill:${id}`);

    // New traffic: a plain request, a CONNECT and a WebSocket are refused, each naming the kill.
    const refused = await get(g, plainUrl('/ok-after-kill'), auth);
    assert.equal(refused.status, 503);
    assert.equal(refused.body?.error, 'gate_killed');
    assert.equal(refused.body?.rule, `kill:${id}`);
    assert.match(String(refused.body?.reason), /drill/);
    const rec = await recordOf((r) => r.path === '/ok-after-kill', 'the refused request’s record');
    assert.deepEqual([rec.outcome, rec.reason, rec.rule, rec.status], ['deny', 'gate_killed', `kill:${id}`, 503]);
    const again = await connectTunnel(g, `sse.test:${sse.port}`, auth);
    if (typeof again !== 'string') assert.fail('a CONNECT was accepted while killed');
    assert.match(again, /^HTTP\/1\.1 503/);
    const wsAfter = await openThroughGate(g, `ws://ws.test:${echo.port}/ws-after`, { token: await g.mint({ session: 'ses_kill_ws2' }) });
    assert.ok(!isOpen(wsAfter), 'a WebSocket opened while killed');
    assert.equal(wsAfter.status, 503);

    // --off: traffic flows again.
    const off = await sluice('kill', '--off');
    assert.match(off, new RegExp(`^lifted kill ${id} `));
    assert.equal((await get(g, plainUrl('/ok-after-off'), auth)).status, 200);
  });

  test('a kill ends an upload in progress, and its record says gate_killed', async () => {
    const auth = basic(await g.mint({ session: 'ses_kill_upload' }));
    let ended: string | undefined;
    let sent = 0;
    const req = request({
      host: '127.0.0.1',
      port: g.port,
      path: plainUrl('/upload-killed'),
      method: 'POST',
      agent: false,
      headers: { host: `plain.test:${plain.port}`, 'proxy-authorization': auth, 'transfer-encoding': 'chunked' },
    });
    const timer = setInterval(() => {
      if (req.destroyed || ended !== undefined) return clearInterval(timer);
      req.write(Buffer.alloc(1024, 0x61));
      sent += 1024;
    }, 10);
    req.on('response', (res) => {
      ended ??= `answered ${res.statusCode}`;
      res.resume();
    });
    req.on('error', () => (ended ??= 'cut'));
    req.on('close', () => (ended ??= 'cut'));
    await waitFor('the upload to be under way', () => (sent > 8 * 1024 ? true : undefined));
    const id = killId(await sluice('kill'));
    const how = await waitFor('the upload to end', () => ended);
    clearInterval(timer);
    assert.ok(how === 'cut' || how === 'answered 503', how);
    const rec = await recordOf((r) => r.path === '/upload-killed', 'the upload’s record');
    assert.deepEqual([rec.outcome, rec.reason, rec.rule], ['deny', 'gate_killed', `kill:${id}`]);
    await sluice('kill', '--off');
  });

  test('a tenant’s kill stops that tenant only: its stream ends, another tenant’s goes on and its new requests pass', async () => {
    const acme = basic(await g.mint({ tenant: 'acme', session: 'ses_acme_live' }));
    const beta = basic(await g.mint({ tenant: 'beta', session: 'ses_beta_live' }));
    const acmeStream = download({ port: g.port, path: plainUrl('/acme-stream'), host: `plain.test:${plain.port}`, auth: acme });
    const betaStream = download({ port: g.port, path: plainUrl('/beta-stream'), host: `plain.test:${plain.port}`, auth: beta });
    await waitFor('both streams', () => (acmeStream.bytes() > 0 && betaStream.bytes() > 0 ? true : undefined));

    const id = killId(await sluice('kill', '--tenant', 'beta'));
    assert.equal(await waitFor('beta’s stream to end', () => betaStream.ended()), 'cut');
    const seen = acmeStream.bytes();
    await waitFor('acme’s stream to go on', () => (acmeStream.bytes() > seen ? true : undefined));
    assert.equal(acmeStream.ended(), undefined);
    assert.equal((await get(g, plainUrl('/ok-acme-after'), acme)).status, 200);
    const refused = await get(g, plainUrl('/ok-beta-after'), beta);
    assert.deepEqual([refused.status, refused.body?.error, refused.body?.rule], [503, 'gate_killed', `kill:${id}`]);
    const rec = await recordOf((r) => r.path === '/beta-stream', 'beta’s stream record');
    assert.deepEqual([rec.tenant, rec.reason, rec.rule], ['beta', 'gate_killed', `kill:${id}`]);

    // Lifting the global kill (there is none) does not lift beta's; --off --tenant beta does.
    const none = await exec(process.execPath, [SLUICE_BIN, 'kill', '--off', '--config', g.configFile]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /killed for tenant beta \(--tenant beta\)/);
    assert.equal((await get(g, plainUrl('/ok-beta-still'), beta)).status, 503);
    await sluice('kill', '--off', '--tenant', 'beta');
    assert.equal((await get(g, plainUrl('/ok-beta-again'), beta)).status, 200);
  });
});
