import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { connect } from 'node:net';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

function curlArgs(g: TestGate, url: string, extra: string[] = []): string[] {
  return ['-sS', '--suppress-connect-headers', '--proxy', g.proxyUrl, '--cacert', g.caFile, ...extra, url];
}

describe('CONNECT with TLS interception', () => {
  let up: Upstream;
  let g: TestGate;
  let origin: string;
  before(async () => {
    up = await startUpstream({ tls: true, names: ['api.upstream.test'] });
    origin = `https://api.upstream.test:${up.port}`;
    g = await startTestGate(`
dns:
  hosts:
    api.upstream.test: 127.0.0.1
    other.upstream.test: 127.0.0.1
    pass.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${(await upstreamPki()).caFile}
  passthrough: [pass.upstream.test]
rules:
  - id: upstream
    hosts: [api.upstream.test, pass.upstream.test]
`);
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  test('curl reads the upstream body through an intercepted tunnel', async () => {
    const r = await exec('curl', curlArgs(g, `${origin}/`));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello from upstream\n');
    const rec = g.audit.records.at(-1)!;
    assert.equal(rec.transport, 'intercept');
    assert.equal(rec.scheme, 'https');
    assert.equal(rec.rule, 'upstream');
  });

  test('the agent sees a leaf for the CONNECT host, signed by the gate CA, offering http/1.1', async () => {
    const info = await new Promise<{ subject: string; issuer: string; alpn: string | false; authorized: boolean }>((resolve, reject) => {
      const raw = connect({ port: g.port, host: '127.0.0.1' }, () => {
        raw.write(`CONNECT api.upstream.test:${up.port} HTTP/1.1\r\nHost: api.upstream.test:${up.port}\r\nProxy-Authorization: ${g.auth}\r\n\r\n`);
        raw.once('data', (d: Buffer) => {
          assert.match(d.toString(), /^HTTP\/1\.1 200/);
          const t = tlsConnect({ socket: raw, servername: 'api.upstream.test', ca: [g.caPem], ALPNProtocols: ['h2', 'http/1.1'] }, () => {
            const cert = t.getPeerCertificate();
            resolve({ subject: String(cert.subject.CN), issuer: String(cert.issuer.CN), alpn: t.alpnProtocol ?? false, authorized: t.authorized });
            t.destroy();
          });
          t.on('error', reject);
        });
      });
      raw.on('error', reject);
    });
    assert.equal(info.subject, 'api.upstream.test');
    assert.match(info.issuer, /Sluice/);
    assert.equal(info.alpn, 'http/1.1');
    assert.equal(info.authorized, true);
  });

  test('a denied HTTPS host returns the 403 JSON body over TLS, not a tunnel failure', async () => {
    const r = await exec('curl', curlArgs(g, `https://other.upstream.test:${up.port}/`, ['-i']));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/1\.1 403/);
    assert.match(r.stdout, /x-sluice-decision: [0-9a-f-]{36}/);
    const body = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as Record<string, string>;
    assert.equal(body.error, 'policy_denied');
    assert.equal(body.rule, 'default-deny');
  });

  test('a passthrough host is tunnelled byte for byte: the agent verifies the upstream CA itself', async () => {
    const pki = await upstreamPki();
    const r = await exec('curl', ['-sS', '--proxy', g.proxyUrl, '--cacert', pki.caFile, `https://pass.upstream.test:${up.port}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello from upstream\n');
    // Closing the tunnel writes the tunnel's audit record.
    await waitFor(() => g.audit.records.some((x) => x.transport === 'tunnel' && x.host === 'pass.upstream.test'));
    const rec = g.audit.records.find((x) => x.transport === 'tunnel')!;
    assert.equal(rec.outcome, 'allow');
    assert.ok(rec.bytes_out > 0);
  });

  test('a passthrough host whose upstream refuses the connection: 502 upstream_unreachable, and the record holds a Sluice code, not the OS code', async () => {
    const dead = await startUpstream();
    const port = dead.port;
    await dead.close();
    const r = await exec('curl', ['-sS', '-i', '--proxy', g.proxyUrl, `https://pass.upstream.test:${port}/`]);
    assert.match(r.stdout, /^HTTP\/1\.1 502/, r.stdout + r.stderr);
    await waitFor(() => g.audit.records.some((x) => x.transport === 'tunnel' && x.port === port));
    const rec = g.audit.records.find((x) => x.transport === 'tunnel' && x.port === port)!;
    assert.equal(rec.outcome, 'error');
    assert.equal(rec.error, 'upstream_unreachable');
    // The OS's code is the log's.
    assert.ok(
      g.logs.some((l) => l.decision_id === rec.decision_id && l.code === 'ECONNREFUSED'),
      JSON.stringify(g.logs.slice(-3)),
    );
  });

  test('a Host header that differs from the CONNECT target is refused (domain fronting)', async () => {
    const r = await exec('curl', curlArgs(g, `${origin}/`, ['-i', '-H', 'Host: other.upstream.test']));
    assert.match(r.stdout, /^HTTP\/1\.1 421/);
    assert.match(r.stdout, /"error":"host_mismatch"/);
  });

  test('an upstream whose certificate does not verify is a 502 upstream_tls_failed', async () => {
    const g2 = await startTestGate(`
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  passthrough: []
rules:
  - id: upstream
    hosts: [api.upstream.test]
`);
    try {
      const r = await exec('curl', curlArgs(g2, `${origin}/`, ['-i']));
      assert.match(r.stdout, /^HTTP\/1\.1 502/);
      assert.match(r.stdout, /"error":"upstream_tls_failed"/);
    } finally {
      await g2.close();
    }
  });

  test('Node fetch through undici ProxyAgent: allowed and denied', async () => {
    const { ProxyAgent, fetch } = await import('undici');
    const dispatcher = new ProxyAgent({ uri: g.proxyUrl, requestTls: { ca: g.caPem } });
    try {
      const ok = await fetch(`${origin}/echo`, { dispatcher });
      assert.equal(ok.status, 200);
      const echo = (await ok.json()) as { headers: Record<string, string> };
      assert.equal(echo.headers.host, `api.upstream.test:${up.port}`);
      const no = await fetch(`https://other.upstream.test:${up.port}/`, { dispatcher });
      assert.equal(no.status, 403);
      assert.equal(((await no.json()) as { error: string }).error, 'policy_denied');
    } finally {
      await dispatcher.close();
    }
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
