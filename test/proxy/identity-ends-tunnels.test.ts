/**
 * Identity ends what runs inside tunnels too, and says why: an HTTPS SSE download in
 * an intercepted tunnel cut by `sluice revoke`, a `wss://` session closed (1008) at
 * token expiry, a passthrough tunnel cut by `sluice revoke`; each record names
 * identity_revoked / identity_expired instead of a lost connection.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer as createHttps, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { AuditRecord } from '../../src/audit/fields.js';
import { LeafMinter } from '../../src/tls/leaf-minter.js';
import { exec, SLUICE_BIN } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { BOUND_MS, waitFor } from '../helpers/open-exchanges.js';
import { upstreamPki } from '../helpers/pki.js';
import { connectTunnel } from '../helpers/tunnel.js';
import { isOpen, openThroughGate } from '../helpers/ws-client.js';
import { startWsEcho, type WsEcho } from '../helpers/ws-echo.js';

/** An HTTPS upstream (leaf from the test upstream CA) that streams SSE forever. */
async function startSseTls(): Promise<{ port: number; close(): Promise<void> }> {
  const pki = await upstreamPki();
  const minter = new LeafMinter(pki.ca);
  const server: Server = createHttps({ key: minter.keyPem, cert: minter.mint('sse.test').chainPem }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const timer = setInterval(() => res.write(`data: tick ${n++}\n\n`), 30);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** CONNECT through the gate with `token`; the raw socket once the gate said 200. */
async function openTunnel(g: TestGate, authority: string, token: string): Promise<Socket> {
  const raw = await connectTunnel(g, authority, `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`);
  if (typeof raw === 'string') throw new Error(`CONNECT refused: ${raw}`);
  return raw;
}

describe('identity ends what runs inside tunnels, with the reason on each record', () => {
  let g: TestGate;
  let sse: { port: number; close(): Promise<void> };
  let echo: WsEcho;
  before(async () => {
    const pki = await upstreamPki();
    sse = await startSseTls();
    echo = await startWsEcho({ tls: true, names: ['wss.test'] });
    g = await startTestGate(`
tls:
  upstream_ca: ${pki.caFile}
  passthrough: [pass.test]
dns:
  hosts:
    sse.test: 127.0.0.1
    wss.test: 127.0.0.1
    pass.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: all
    hosts: [sse.test, wss.test, pass.test]
`);
  });
  after(async () => {
    await g.close();
    await sse.close();
    await echo.close();
  });

  const revoke = async (session: string): Promise<void> => {
    const r = await exec(process.execPath, [SLUICE_BIN, 'revoke', '--session', session, '--config', g.configFile]);
    assert.equal(r.code, 0, r.stderr);
  };
  const recordOf = (pred: (r: AuditRecord) => boolean, what: string): Promise<AuditRecord> => waitFor(what, () => g.audit.records.find(pred));

  test('an HTTPS SSE download in an intercepted tunnel: sluice revoke cuts it and its record says identity_revoked', async () => {
    const token = await g.mint({ session: 'ses_tun_sse' });
    const raw = await openTunnel(g, `sse.test:${sse.port}`, token);
    const tls: TLSSocket = tlsConnect({ socket: raw, servername: 'sse.test', ca: [g.caPem], ALPNProtocols: ['http/1.1'] });
    let bytes = 0;
    let ended: string | undefined;
    const req = request({ createConnection: () => tls, path: '/sse-tunnel', headers: { host: `sse.test:${sse.port}`, accept: 'text/event-stream' } });
    req.on('response', (res) => {
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('close', () => (ended ??= res.complete ? 'end' : 'cut'));
      res.on('error', () => (ended ??= 'cut'));
    });
    req.on('error', () => (ended ??= 'cut'));
    req.end();
    await waitFor('the first events', () => (bytes > 0 ? true : undefined));
    await revoke('ses_tun_sse');
    assert.equal(await waitFor('the download to end', () => ended), 'cut');
    const rec = await recordOf((r) => r.path === '/sse-tunnel', 'the record of the SSE request');
    assert.equal(rec.transport, 'intercept');
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'identity_revoked');
    assert.equal(rec.error, 'identity_revoked');
  });

  test('a wss:// session closes with 1008 at token expiry and its record says identity_expired', async () => {
    const token = await g.mint({ session: 'ses_tun_wss', ttlMs: 2000 });
    const c = await openThroughGate(g, `wss://wss.test:${echo.port}/wss-expiry`, { token });
    if (!isOpen(c)) assert.fail(`no upgrade: ${c.status} ${c.body}`);
    c.ws.send('hi');
    assert.equal(await c.next(), 'hi');
    const closed = await Promise.race([c.closed, new Promise<null>((r) => setTimeout(() => r(null), 8000))]);
    assert.ok(closed, 'the session outlived its token');
    assert.equal(closed.code, 1008);
    const rec = await recordOf((r) => r.path === '/wss-expiry', 'the record of the wss session');
    assert.equal(rec.reason, 'identity_expired');
    assert.equal(rec.error, 'identity_expired');
  });

  test('a passthrough tunnel: sluice revoke cuts it and the CONNECT record says identity_revoked', async () => {
    const token = await g.mint({ session: 'ses_tun_pass' });
    const raw = await openTunnel(g, `pass.test:${sse.port}`, token);
    const closed = new Promise<void>((r) => raw.once('close', () => r()));
    raw.on('error', () => undefined);
    await revoke('ses_tun_pass');
    const cut = await Promise.race([closed.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), BOUND_MS))]);
    assert.ok(cut, 'the passthrough tunnel outlived its revocation');
    const rec = await recordOf((r) => r.method === 'CONNECT' && r.session === 'ses_tun_pass', 'the CONNECT record');
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'identity_revoked');
    assert.equal(rec.error, 'identity_revoked');
  });
});
