import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { exec, SLUICE_BIN } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { interceptedTunnel } from '../helpers/tunnel.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

interface Deny {
  error: string;
  reason: string;
  decision_id: string;
}

describe('identity: every request proves who is asking', () => {
  let g: TestGate;
  let up: Upstream;
  let target: string;
  before(async () => {
    up = await startUpstream({ tls: true, names: ['api.upstream.test'] });
    target = `api.upstream.test:${up.port}`;
    g = await startTestGate(`
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: upstream
    hosts: [api.upstream.test]
`);
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  async function plainGet(auth: string | null): Promise<{ status: number; headers: Record<string, string>; body: Deny }> {
    const head = `GET http://${target}/ HTTP/1.1\r\nHost: ${target}\r\n${auth === null ? '' : `Proxy-Authorization: ${auth}\r\n`}Connection: close\r\n\r\n`;
    const r = parseRawResponse((await rawExchange(g.port, head)).response);
    return { status: r.status, headers: r.headers, body: JSON.parse(r.body) as Deny };
  }

  test('no token: 407 identity_required with Proxy-Authenticate and the JSON body', async () => {
    const r = await plainGet(null);
    assert.equal(r.status, 407);
    assert.equal(r.headers['proxy-authenticate'], 'Basic realm="sluice"');
    assert.equal(r.body.error, 'identity_required');
    assert.equal(r.headers['x-sluice-decision'], r.body.decision_id);
  });

  test('no token on CONNECT: 407 before any tunnel is opened', async () => {
    const { response } = await rawExchange(g.port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    const r = parseRawResponse(response);
    assert.equal(r.status, 407);
    assert.equal(r.headers['proxy-authenticate'], 'Basic realm="sluice"');
    assert.equal((JSON.parse(r.body) as Deny).error, 'identity_required');
    const rec = g.audit.records.find((x) => x.method === 'CONNECT' && x.reason === 'identity_required');
    assert.ok(rec, 'a refused CONNECT is audited');
  });

  test('a garbage token, a foreign-signed token and a wrong scheme: 407 identity_invalid', async () => {
    const other = await startTestGate('rules: []');
    try {
      const foreign = other.token;
      for (const auth of ['Basic ' + Buffer.from('sluice:not-a-token').toString('base64'), `Bearer ${foreign}`, `Digest ${g.token}`]) {
        const r = await plainGet(auth);
        assert.equal(r.status, 407, auth.slice(0, 10));
        assert.equal(r.body.error, 'identity_invalid');
        assert.ok(!JSON.stringify(r.body).includes(g.token), 'the token never comes back');
      }
    } finally {
      await other.close();
    }
  });

  test('an expired token: 407 identity_expired', async () => {
    const expired = await g.mint({ ttlMs: 1000, now: Date.now() - 3_600_000 });
    const r = await plainGet(`Bearer ${expired}`);
    assert.equal(r.status, 407);
    assert.equal(r.body.error, 'identity_expired');
  });

  test('Bearer is accepted as well as Basic; the audit record names who asked', async () => {
    const token = await g.mint({ agent: 'support-bot', session: 'ses_bearer1', human: 'ana@acme.test' });
    const head = `GET http://${target}/ HTTP/1.1\r\nHost: ${target}\r\nProxy-Authorization: Bearer ${token}\r\nConnection: close\r\n\r\n`;
    // Plain http to an https-only upstream fails upstream, but identity and audit come first.
    const r = parseRawResponse((await rawExchange(g.port, head)).response);
    const id = r.headers['x-sluice-decision'];
    const rec = g.audit.records.find((x) => x.decision_id === id);
    assert.equal(rec?.tenant, 'acme');
    assert.equal(rec?.agent, 'support-bot');
    assert.equal(rec?.session, 'ses_bearer1');
    assert.equal(rec?.human, 'ana@acme.test');
  });

  test('a token is bound to its session: another session id as the proxy user is refused', async () => {
    const token = await g.mint({ session: 'ses_bound1' });
    const asOwn = await plainGet(`Basic ${Buffer.from(`ses_bound1:${token}`).toString('base64')}`);
    assert.notEqual(asOwn.status, 407);
    const asOther = await plainGet(`Basic ${Buffer.from(`ses_other9:${token}`).toString('base64')}`);
    assert.equal(asOther.status, 407);
    assert.equal(asOther.body.error, 'identity_invalid');
  });

  test('curl through sluice:<token>@ works for HTTPS', async () => {
    const r = await exec('curl', ['-sS', '--proxy', g.proxyUrl, '--cacert', g.caFile, `https://${target}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello from upstream\n');
  });

  test('revoking a session (from another process) denies its next request and closes its open tunnel', async (t) => {
    const session = 'ses_revokeme1';
    const token = await g.mint({ session });
    const auth = `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`;
    // Open a keep-alive intercepted tunnel and use it once.
    const tls = await interceptedTunnel(g, 'api.upstream.test', up.port, auth);
    const first = await requestOn(tls, target);
    assert.match(first, /^HTTP\/1\.1 200/);
    const closed = new Promise<number>((resolve) => tls.once('close', () => resolve(Date.now())));

    const r = await exec(process.execPath, [SLUICE_BIN, 'revoke', '--session', session, '--config', g.configFile]);
    const revokedAt = Date.now();
    assert.equal(r.code, 0, r.stderr);
    // Bounded wait (never a timing assertion): the latency is reported, the closing is asserted.
    const closedAt = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000))]);
    assert.notEqual(closedAt, -1, 'the tunnel was closed');
    t.diagnostic(`tunnel closed ${Math.max(0, closedAt - revokedAt)} ms after 'sluice revoke' exited`);

    const again = await plainGet(auth);
    assert.equal(again.status, 403);
    assert.equal(again.body.error, 'identity_revoked');
    // Another session of the same agent is unaffected.
    const fresh = await g.mint({ session: 'ses_untouched1' });
    const ok = await exec('curl', ['-sS', '--proxy', g.proxyUrl.replace(g.token, fresh), '--cacert', g.caFile, `https://${target}/`]);
    assert.equal(ok.stdout, 'hello from upstream\n');
  });
});

function requestOn(tls: TLSSocket, target: string): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      if (buf.includes('hello from upstream')) {
        tls.off('data', onData);
        resolve(buf);
      }
    };
    tls.on('data', onData);
    tls.write(`GET / HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  });
}
