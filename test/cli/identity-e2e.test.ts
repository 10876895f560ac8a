/**
 * Agent identity end to end with the real CLI: tokens from `sluice token`, used by
 * curl and Python's urllib in a proxy URL (`http://sluice:<token>@HOST:PORT`) against a
 * gate from `sluice start`; expiry; `sluice revoke` denying the next request and
 * cutting an open tunnel. The in-process twin is test/proxy/identity.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { PY_REQUEST, splitPy, waitForAudit } from '../helpers/cli-e2e.js';
import { exec } from '../helpers/exec.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

interface Deny {
  error: string;
  reason: string;
  decision_id: string;
}

/** A clean environment for clients given an explicit proxy: no proxy variables inherited. */
const bareEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_proxy$/i.test(k)));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('identity e2e: sluice token / sluice revoke with curl and python through sluice start', () => {
  let tls: Upstream;
  let plain: Upstream;
  let d: InitDir;
  let gate: CliGate | undefined;
  let caPem: string;
  const opened: TLSSocket[] = [];

  const token = async (args: string[]): Promise<string> => {
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'ops-bot', ...args, '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    const t = r.stdout.trim();
    assert.match(t, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'only the token on stdout');
    return t;
  };
  const proxyUrl = (t: string | null): string => (t === null ? `http://${gate!.address}` : `http://sluice:${t}@${gate!.address}`);
  /** curl through the proxy to the plain-HTTP upstream: the gate's answer, head and body, is visible. */
  const curlHttp = async (t: string | null): Promise<{ status: number; headers: string; body: string }> => {
    const r = await exec('curl', ['-sS', '-i', '--proxy', proxyUrl(t), `http://api.upstream.test:${plain.port}/`], { env: bareEnv });
    assert.equal(r.code, 0, r.stderr);
    const cut = r.stdout.indexOf('\r\n\r\n');
    const headers = r.stdout.slice(0, cut);
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]), headers, body: r.stdout.slice(cut + 4) };
  };
  /** curl to the HTTPS upstream through CONNECT (intercepted): the body, or curl's failure and the CONNECT status. */
  const curlHttps = async (t: string | null): Promise<{ code: number | null; connect: number; status: number; body: string; stderr: string }> => {
    const r = await exec(
      'curl',
      ['-sS', '-v', '--proxy', proxyUrl(t), '--cacert', d.caFile, '-o', '-', '-w', '\n%{http_connect} %{http_code}', `https://api.upstream.test:${tls.port}/`],
      {
        env: bareEnv,
      },
    );
    const cut = r.stdout.lastIndexOf('\n');
    const [connectStatus, status] = r.stdout.slice(cut + 1).split(' ');
    return { code: r.code, connect: Number(connectStatus), status: Number(status), body: r.stdout.slice(0, cut), stderr: r.stderr };
  };

  before(async () => {
    const pki = await upstreamPki();
    tls = await startUpstream({ tls: true, names: ['api.upstream.test'] });
    plain = await startUpstream();
    d = await initDir(`  - id: upstream
    hosts: [api.upstream.test]
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${pki.caFile}
`);
    caPem = await readFile(d.caFile, 'utf8');
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    for (const s of opened) s.destroy();
    await gate?.stop();
    await tls?.close();
    await plain?.close();
  });

  test('no token: 407 with Proxy-Authenticate and identity_required (curl plain and CONNECT, python urllib)', async () => {
    const before = tls.seen.length + plain.seen.length;
    const r = await curlHttp(null);
    assert.equal(r.status, 407, r.headers);
    assert.match(r.headers, /^proxy-authenticate: Basic realm="sluice"\r?$/im);
    const body = JSON.parse(r.body) as Deny;
    assert.equal(body.error, 'identity_required');
    assert.match(r.headers, new RegExp(`^x-sluice-decision: ${body.decision_id}\\r?$`, 'im'));

    const c = await curlHttps(null);
    assert.notEqual(c.code, 0, 'curl cannot open the tunnel');
    assert.equal(c.connect, 407);
    assert.match(c.stderr, /^< proxy-authenticate: Basic realm="sluice"\r?$/im);

    const py = splitPy(
      await exec('python3', ['-c', PY_REQUEST, 'GET', `http://api.upstream.test:${plain.port}/`], { env: { ...bareEnv, http_proxy: proxyUrl(null) } }),
    );
    assert.equal(py.status, 407);
    assert.equal((JSON.parse(py.body) as Deny).error, 'identity_required');
    assert.equal(tls.seen.length + plain.seen.length, before, 'nothing reached an upstream');
    const rec = await waitForAudit(d.configFile, (a) => a.decision_id === body.decision_id);
    // No credentials at all: the 407 is a challenge the client may answer, not a refusal.
    assert.equal(rec.outcome, 'challenge');
    assert.equal(rec.reason, 'identity_required');
  });

  test('a token from sluice token in the proxy URL: curl (HTTPS) and python (HTTP) get through, attributed', async () => {
    const t = await token(['--session', 'ses_e2e_ok1']);
    const c = await curlHttps(t);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.status, 200);
    assert.equal(c.body, 'hello from upstream\n');
    const py = splitPy(
      await exec('python3', ['-c', PY_REQUEST, 'GET', `http://api.upstream.test:${plain.port}/`], { env: { ...bareEnv, http_proxy: proxyUrl(t) } }),
    );
    assert.equal(py.status, 200, py.body);
    const rec = await waitForAudit(d.configFile, (a) => a.session === 'ses_e2e_ok1', ['--session', 'ses_e2e_ok1']);
    assert.equal(rec.tenant, 'acme');
    assert.equal(rec.agent, 'ops-bot');
    assert.equal(rec.outcome, 'allow');
  });

  test('sluice revoke --session: the next request is 403 identity_revoked, and an open tunnel of that session is closed', async (t) => {
    const session = 'ses_e2e_revoke1';
    const tok = await token(['--session', session]);
    const sibling = await token(['--session', 'ses_e2e_sibling1']);
    // An agent with a keep-alive intercepted tunnel open, used once.
    const tunnel = await openTunnel(gate!.port, `api.upstream.test:${tls.port}`, tok, caPem);
    opened.push(tunnel);
    assert.match(await requestOn(tunnel, `api.upstream.test:${tls.port}`), /^HTTP\/1\.1 200/);
    const closed = new Promise<number>((resolve) => tunnel.once('close', () => resolve(Date.now())));

    const startedAt = Date.now();
    const r = await sluice(['revoke', '--session', session, '--config', d.configFile]);
    const exitedAt = Date.now();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^revoked session ${session} \\(permanent, at `));
    // Bounded wait, never a timing assertion: the closing is asserted, the latency reported.
    const closedAt = await Promise.race([closed, sleep(5000).then(() => -1)]);
    assert.notEqual(closedAt, -1, 'the open tunnel was not closed within 5 s of sluice revoke exiting');
    t.diagnostic(`open tunnel closed ${closedAt - startedAt} ms after 'sluice revoke' started (${closedAt - exitedAt} ms relative to its exit)`);

    const again = await curlHttp(tok);
    assert.equal(again.status, 403, again.body);
    const body = JSON.parse(again.body) as Deny;
    assert.equal(body.error, 'identity_revoked');
    const c = await curlHttps(tok);
    assert.notEqual(c.code, 0);
    assert.equal(c.connect, 403, 'a new tunnel is refused too');
    const py = splitPy(
      await exec('python3', ['-c', PY_REQUEST, 'GET', `http://api.upstream.test:${plain.port}/`], { env: { ...bareEnv, http_proxy: proxyUrl(tok) } }),
    );
    assert.equal(py.status, 403);
    assert.equal((JSON.parse(py.body) as Deny).error, 'identity_revoked');
    const rec = await waitForAudit(d.configFile, (a) => a.decision_id === body.decision_id);
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'identity_revoked');
    // (The record does not name the revoked session today: tenant/agent/session are null.)

    // Another session of the same agent is untouched.
    const ok = await curlHttps(sibling);
    assert.equal(ok.status, 200, ok.stderr);
  });

  test('a token minted with --ttl 1s: refused with 407 identity_expired once it has expired', async (t) => {
    const tok = await token(['--ttl', '1s']);
    const mintedAt = Date.now();
    const fresh = await curlHttp(tok);
    t.diagnostic(`used at once (${Date.now() - mintedAt} ms after sluice token exited): ${fresh.status}`);
    await sleep(Math.max(0, mintedAt + 2500 - Date.now()));
    const at2500 = await curlHttp(tok);
    t.diagnostic(`2.5 s after minting: ${at2500.status}${at2500.status === 407 ? '' : ' (the gate allows clock skew past exp)'}`);
    // Poll (bounded) until the gate calls it expired; then it must be exactly identity_expired.
    let last = at2500;
    const until = mintedAt + 10_000;
    while (last.status === 200 && Date.now() < until) {
      await sleep(250);
      last = await curlHttp(tok);
    }
    t.diagnostic(`first refused ${Date.now() - mintedAt} ms after minting`);
    assert.equal(last.status, 407, `still ${last.status} 10 s after a 1 s token was minted`);
    assert.match(last.headers, /^proxy-authenticate: Basic realm="sluice"\r?$/im);
    const body = JSON.parse(last.body) as Deny;
    assert.equal(body.error, 'identity_expired');
    assert.match(body.reason, /expired/);
    // The expired token in curl's HTTPS (CONNECT) path is refused the same way.
    const c = await curlHttps(tok);
    assert.equal(c.connect, 407);
  });
});

/** CONNECT with the token, then TLS to the gate's minted leaf; resolves once the handshake is done. */
function openTunnel(port: number, target: string, token: string, caPem: string): Promise<TLSSocket> {
  const auth = `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const raw = connect({ port, host: '127.0.0.1' }, () => {
      raw.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nProxy-Authorization: ${auth}\r\n\r\n`);
      raw.once('data', (d: Buffer) => {
        if (!d.toString().startsWith('HTTP/1.1 200')) return reject(new Error(d.toString()));
        const t = tlsConnect({ socket: raw, servername: target.split(':')[0], ca: [caPem] }, () => resolve(t));
        t.on('error', reject);
      });
    });
    raw.on('error', reject);
  });
}

/** One keep-alive GET on the tunnel; resolves with what came back once the body has arrived (bounded). */
function requestOn(tls: TLSSocket, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no response on the tunnel: ${JSON.stringify(buf)}`)), 5000);
    const onData = (d: Buffer): void => {
      buf += d.toString();
      if (buf.includes('hello from upstream')) {
        clearTimeout(timer);
        tls.off('data', onData);
        resolve(buf);
      }
    };
    tls.on('data', onData);
    tls.write(`GET / HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  });
}
