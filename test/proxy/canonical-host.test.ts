/**
 * One canonical address per host: every spelling of an address reaches the rules
 * as the one address the socket would reach (IPv4 for mapped and compatible IPv6),
 * IP patterns in the config are read the same way, and names that are loopback by
 * definition are refused as SSRF before policy, without any lookup.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

interface Deny {
  error: string;
  reason: string;
  rule: string | null;
  decision_id: string;
}

async function rawGet(g: TestGate, url: string, host = 'x'): Promise<{ status: number; body: string }> {
  const { response } = await rawExchange(g.port, `GET ${url} HTTP/1.1\r\nHost: ${host}\r\nProxy-Authorization: ${g.auth}\r\nConnection: close\r\n\r\n`, {
    timeoutMs: 5000,
  });
  const r = parseRawResponse(response);
  return { status: r.status, body: r.body };
}

/** Node's own HTTP client, sending an absolute-form request to the proxy. */
function nodeGet(g: TestGate, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: g.port, method: 'GET', path: url, headers: { 'proxy-authorization': g.auth, host: new URL(url).host } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('one canonical address per host', () => {
  let g: TestGate;
  let up2: Upstream;
  let up6: Upstream;
  before(async () => {
    up2 = await startUpstream({ host: '127.0.0.2' });
    up6 = await startUpstream({ host: '::1' });
    g = await startTestGate(`
dns:
  hosts:
    app.localhost: 127.0.0.1
network:
  allow_private: [127.0.0.0/8, "0:0:0:0:0:0:0:1/128"]
rules:
  - id: no-loopback-2
    hosts: [127.0.0.2]
    action: deny
  - id: no-v6-loopback
    hosts: ["0:0:0:0:0:0:0:1"]
    action: deny
  - id: everything
    hosts: ["*"]
`);
  });
  after(async () => {
    await g.close();
    await up2.close();
    await up6.close();
  });

  test('the IPv4 spelling is denied by the rule (baseline)', async () => {
    const r = await rawGet(g, `http://127.0.0.2:${up2.port}/`);
    assert.equal(r.status, 403, r.body);
    assert.equal((JSON.parse(r.body) as Deny).rule, 'no-loopback-2');
  });

  const spellings = [
    '[::ffff:127.0.0.2]',
    '[::FFFF:127.0.0.2]',
    '[::ffff:7f00:2]',
    '[0:0:0:0:0:ffff:7f00:2]',
    '[0000:0000:0000:0000:0000:ffff:127.0.0.2]',
    '[::127.0.0.2]',
    '[::7f00:2]',
    '[0:0:0:0:0:0:127.0.0.2]',
  ];
  for (const host of spellings) {
    test(`http://${host}/ meets the IPv4 deny rule (raw socket)`, async () => {
      const before = up2.seen.length;
      const r = await rawGet(g, `http://${host}:${up2.port}/`);
      assert.equal(r.status, 403, r.body);
      const body = JSON.parse(r.body) as Deny;
      assert.equal(body.error, 'policy_denied');
      assert.equal(body.rule, 'no-loopback-2');
      assert.equal(up2.seen.length, before);
      const rec = g.audit.records.find((x) => x.decision_id === body.decision_id);
      assert.equal(rec?.host, '127.0.0.2');
      assert.equal(rec?.rule, 'no-loopback-2');
    });
  }

  test('curl http://[::ffff:127.0.0.2]/ meets the IPv4 deny rule', async () => {
    const r = await exec('curl', ['-sS', '-g', '-x', g.proxyUrl, `http://[::ffff:127.0.0.2]:${up2.port}/`]);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as Deny;
    assert.equal(body.rule, 'no-loopback-2');
  });

  test("Node's http client to http://[::127.0.0.2]/ meets the IPv4 deny rule", async () => {
    const r = await nodeGet(g, `http://[::127.0.0.2]:${up2.port}/`);
    assert.equal(r.status, 403, r.body);
    assert.equal((JSON.parse(r.body) as Deny).rule, 'no-loopback-2');
  });

  test('curl https://[::ffff:127.0.0.2]/ through CONNECT meets the IPv4 deny rule inside the tunnel', async () => {
    const r = await exec('curl', [
      '-sS',
      '-g',
      '--suppress-connect-headers',
      '--proxy',
      g.proxyUrl,
      '--cacert',
      g.caFile,
      `https://[::ffff:127.0.0.2]:${up2.port}/`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Deny).rule, 'no-loopback-2');
  });

  test('a non-canonical IPv6 rule (0:0:0:0:0:0:0:1) matches [::1]', async () => {
    const before = up6.seen.length;
    for (const host of ['[::1]', '[0:0:0:0:0:0:0:1]', '[::0:1]']) {
      const r = await rawGet(g, `http://${host}:${up6.port}/`);
      assert.equal(r.status, 403, `${host}: ${r.body}`);
      assert.equal((JSON.parse(r.body) as Deny).rule, 'no-v6-loopback', host);
    }
    assert.equal(up6.seen.length, before);
  });

  test('an address no rule names still reaches the upstream under the any-host rule', async () => {
    const r = await rawGet(g, `http://[::ffff:127.0.0.1]:${up2.port}/`);
    // 127.0.0.1 is allowed; nothing listens on that port there, so the gate tries and fails upstream.
    assert.notEqual((JSON.parse(r.body) as Deny).error, 'policy_denied', r.body);
  });

  for (const host of ['localhost', 'LOCALHOST.', 'LocalHost', 'foo.localhost', 'app.localhost', 'A.B.Localhost.']) {
    test(`${host} is refused as ssrf_blocked before policy, without resolving it`, async () => {
      const before = up2.seen.length;
      const r = await rawGet(g, `http://${host}:${up2.port}/`);
      assert.equal(r.status, 403, r.body);
      const body = JSON.parse(r.body) as Deny;
      assert.equal(body.error, 'ssrf_blocked');
      assert.equal(up2.seen.length, before);
      const rec = g.audit.records.find((x) => x.decision_id === body.decision_id);
      assert.equal(rec?.reason, 'ssrf_blocked');
      // No address was looked up: not through DNS, not through dns.hosts (app.localhost is there).
      assert.equal(rec?.address, null);
      assert.equal(rec?.rule, null);
    });
  }

  test('curl http://localhost/ through the gate gets ssrf_blocked although allow_private covers 127.0.0.0/8', async () => {
    const r = await exec('curl', ['-sS', '-x', g.proxyUrl, `http://localhost:${up2.port}/`]);
    assert.equal((JSON.parse(r.stdout) as Deny).error, 'ssrf_blocked');
  });

  test('CONNECT foo.localhost:443 inside the tunnel is ssrf_blocked', async () => {
    const r = await exec('curl', ['-sS', '--suppress-connect-headers', '--proxy', g.proxyUrl, '--cacert', g.caFile, 'https://foo.localhost/']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Deny).error, 'ssrf_blocked');
  });
});

describe('passthrough tunnels: one canonical address, loopback names refused', () => {
  let g: TestGate;
  let up: Upstream;
  before(async () => {
    up = await startUpstream({ host: '127.0.0.2' });
    g = await startTestGate(`
network:
  allow_private: [127.0.0.0/8]
tls:
  passthrough: ["127.0.0.2", "*.localhost", localhost]
rules:
  - id: no-loopback-2
    hosts: [127.0.0.2]
    action: deny
  - id: everything
    hosts: ["*"]
`);
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  async function connectTo(target: string): Promise<{ status: number; body: string }> {
    const { response } = await rawExchange(g.port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nProxy-Authorization: ${g.auth}\r\n\r\n`, {
      timeoutMs: 2000,
    });
    return parseRawResponse(response);
  }

  test('CONNECT [::ffff:127.0.0.2] is denied by the IPv4 rule', async () => {
    const r = await connectTo(`[::ffff:127.0.0.2]:${up.port}`);
    assert.equal(r.status, 403, r.body);
    assert.equal((JSON.parse(r.body) as Deny).rule, 'no-loopback-2');
  });

  test('CONNECT localhost. is ssrf_blocked', async () => {
    const r = await connectTo(`localhost.:${up.port}`);
    assert.equal(r.status, 403, r.body);
    assert.equal((JSON.parse(r.body) as Deny).error, 'ssrf_blocked');
    assert.equal(up.seen.length, 0);
  });
});
