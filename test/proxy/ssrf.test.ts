import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

interface Deny {
  error: string;
  reason: string;
  decision_id: string;
}

/** Send one absolute-form request with a raw socket, so the URL reaches the gate exactly as spelled. */
async function rawGet(g: TestGate, url: string): Promise<{ status: number; body: string }> {
  const { response } = await rawExchange(g.port, `GET ${url} HTTP/1.1\r\nHost: x\r\nProxy-Authorization: ${g.auth}\r\nConnection: close\r\n\r\n`, {
    timeoutMs: 5000,
  });
  const r = parseRawResponse(response);
  return { status: r.status, body: r.body };
}

describe('SSRF: every IP-literal spelling and special range is blocked', () => {
  let g: TestGate;
  let up: Upstream;
  before(async () => {
    up = await startUpstream();
    // A rule that allows everything: SSRF protection must hold even then.
    g = await startTestGate(`
dns:
  hosts:
    metadata.internal.test: 169.254.169.254
    rebind.test: 10.1.2.3
rules:
  - id: everything
    hosts: ["*"]
`);
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  const spellings: [string, string][] = [
    ['http://0x7f.1/', 'hex short form of 127.0.0.1'],
    ['http://2130706433/', 'decimal 127.0.0.1'],
    ['http://0177.0.0.1/', 'octal 127.0.0.1'],
    ['http://127.1/', 'short form'],
    ['http://0x7f000001/', 'hex 32-bit'],
    ['http://017700000001/', 'octal 32-bit'],
    ['http://127.0.0.1./', 'trailing dot'],
    ['http://[::1]/', 'IPv6 loopback'],
    ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped loopback'],
    ['http://[::ffff:7f00:1]/', 'IPv4-mapped, hex'],
    ['http://[64:ff9b::7f00:1]/', 'NAT64'],
    ['http://[2002:7f00:1::]/', '6to4'],
    ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'Teredo'],
    ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['http://[fd00:ec2::254]/', 'AWS IPv6 metadata'],
    ['http://10.0.0.1/', 'RFC 1918'],
    ['http://172.16.0.1/', 'RFC 1918'],
    ['http://192.168.1.1/', 'RFC 1918'],
    ['http://100.64.0.1/', 'CGNAT'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'zero'],
    ['http://192.0.0.1/', 'IETF protocol assignments'],
    ['http://198.18.0.1/', 'benchmarking'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://[fc00::1]/', 'ULA'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[ff02::1]/', 'IPv6 multicast'],
    ['http://metadata.internal.test/', 'static hosts entry pointing at metadata'],
    ['http://rebind.test/', 'static hosts entry pointing at RFC 1918'],
  ];
  for (const [url, why] of spellings) {
    test(`${url} (${why}) → ssrf_blocked`, async () => {
      const r = await rawGet(g, url);
      assert.equal(r.status, 403, r.body);
      const body = JSON.parse(r.body) as Deny;
      assert.equal(body.error, 'ssrf_blocked');
    });
  }

  test('a zone id is refused as a bad host, never dialled', async () => {
    const r = await rawGet(g, 'http://[fe80::1%25eth0]/');
    assert.equal(r.status, 400);
    assert.equal((JSON.parse(r.body) as Deny).error, 'bad_host');
  });

  test('localhost resolved through DNS is blocked as loopback', async () => {
    const r = await rawGet(g, `http://localhost:${up.port}/`);
    assert.equal(r.status, 403);
    assert.equal((JSON.parse(r.body) as Deny).error, 'ssrf_blocked');
    assert.equal(up.seen.length, 0);
  });

  test('curl https://169.254.169.254/ through CONNECT reads ssrf_blocked over intercepted TLS', async () => {
    const r = await exec('curl', ['-sS', '-i', '--suppress-connect-headers', '--proxy', g.proxyUrl, '--cacert', g.caFile, 'https://169.254.169.254/']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/1\.1 403/);
    assert.match(r.stdout, /"error":"ssrf_blocked"/);
  });

  test('curl http://0x7f.1/ through the gate gets ssrf_blocked', async () => {
    const r = await exec('curl', ['-sS', '-x', g.proxyUrl, 'http://0x7f.1/']);
    assert.equal((JSON.parse(r.stdout) as Deny).error, 'ssrf_blocked');
  });

  test('no SSRF deny ever reached the upstream', () => {
    assert.equal(up.seen.length, 0);
  });
});

describe('SSRF: operator opt-in and the gate itself', () => {
  let g: TestGate;
  let up: Upstream;
  before(async () => {
    up = await startUpstream();
    g = await startTestGate(`
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: everything
    hosts: ["*"]
`);
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  test('allow_private opts a range in', async () => {
    const r = await rawGet(g, `http://127.0.0.1:${up.port}/`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello from upstream\n');
  });

  test('an address outside the opted-in range stays blocked', async () => {
    const r = await rawGet(g, `http://127.0.0.2:${up.port}/`);
    assert.equal(r.status, 403);
    assert.equal((JSON.parse(r.body) as Deny).error, 'ssrf_blocked');
  });

  test('a request back to the gate itself is blocked even inside an allowed range', async () => {
    for (const url of [`http://127.0.0.1:${g.port}/`, `http://0x7f.1:${g.port}/`, `http://api.upstream.test:${g.port}/`]) {
      const r = await rawGet(g, url);
      assert.equal(r.status, 403, url);
      assert.equal((JSON.parse(r.body) as Deny).error, 'ssrf_blocked', url);
    }
  });

  test('CONNECT back to the gate is blocked too', async () => {
    const r = await exec('curl', ['-sS', '--proxy', g.proxyUrl, '--cacert', g.caFile, `https://127.0.0.1:${g.port}/`]);
    assert.equal((JSON.parse(r.stdout) as Deny).error, 'ssrf_blocked');
  });
});
