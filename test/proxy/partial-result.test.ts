/**
 * `redact:` on an HTTP rule (the partial_result fallback) against a real gate, a real
 * HTTPS upstream and curl through an intercepted tunnel (and Node's http client for
 * plain HTTP): the agent gets the JSON with the named fields replaced, the upstream's
 * status, `x-sluice-partial` naming the entries that matched, no stale length, ETag or
 * encoding; the record says partial_result with one finding per entry. What cannot be
 * redacted (not strict JSON, over the limit, an unknown encoding, an event stream) is
 * refused 403 response_unreadable. No canary value of a redacted field reaches the
 * agent, the audit record or the log.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { LeafMinter } from '../../src/tls/leaf-minter.js';
import { REDACTED_MARKER } from '../../src/inspect/redact-paths.js';
import { exec } from '../helpers/exec.js';
import { connectTunnel } from '../helpers/open-exchanges.js';
import { isOpen, openThroughGate } from '../helpers/ws-client.js';
import { splitResponse } from '../helpers/raw.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const CANARY = ['CANARY-SSN-5d81c2', 'CANARY-TOKEN-a93f07', 'CANARY-CARD-40e6b1', 'CANARY-DUP-77aa10'];
const customer = {
  id: 7,
  name: 'Ada',
  SSN: CANARY[0],
  cards: [
    { last4: '4242', number: CANARY[2] },
    { last4: '1881', number: CANARY[2] },
  ],
  session: { token: CANARY[1], expires: 3600 },
};
const json = JSON.stringify(customer);

interface Page {
  type: string;
  body: Buffer | string;
  status?: number;
  headers?: Record<string, string>;
}
const pages: Record<string, Page> = {
  '/customer': { type: 'application/json', body: json, status: 201, headers: { etag: '"v1"', 'content-md5': 'x' } },
  '/customer.gz': { type: 'application/json', body: gzipSync(json), headers: { 'content-encoding': 'gzip' } },
  '/customer.br': { type: 'application/json; charset=utf-8', body: brotliCompressSync(json), headers: { 'content-encoding': 'br' } },
  '/untouched': { type: 'application/json', body: '{"id":1,"name":"Bob"}', headers: { etag: '"v2"' } },
  '/html': { type: 'text/html', body: `<p>ssn: ${CANARY[0]}</p>` },
  '/dup': { type: 'application/json', body: `{"ssn":"x","Ssn":"${CANARY[3]}"}` },
  '/huge': { type: 'application/json', body: JSON.stringify({ pad: 'x'.repeat(8000), SSN: CANARY[0] }) },
  '/compress': { type: 'application/json', body: json, headers: { 'content-encoding': 'compress' } },
  '/events': { type: 'text/event-stream', body: `data: ${json}\n\n` },
  '/empty': { type: 'application/json', body: '', status: 200 },
};

describe('partial_result: redact: on an HTTP rule', () => {
  let server: Server;
  let port: number;
  let g: TestGate;
  let plain: Upstream;

  before(async () => {
    const pki = await upstreamPki();
    const minter = new LeafMinter(pki.ca);
    server = createServer({ key: minter.keyPem, cert: minter.mint('crm.test').chainPem }, (req, res) => {
      const page = pages[req.url ?? ''];
      if (!page) return void res.writeHead(404).end();
      res.writeHead(page.status ?? 200, { 'content-type': page.type, ...page.headers });
      res.end(page.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    plain = await startUpstream();
    g = await startTestGate(`
inspect:
  max_response_scan_bytes: 4096
tls:
  upstream_ca: ${pki.caFile}
  passthrough: [pass.test]
dns:
  hosts:
    crm.test: 127.0.0.1
    echo.test: 127.0.0.1
    ws.test: 127.0.0.1
    pass.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: crm-read
    hosts: [crm.test]
    redact: [ssn, '$.cards[*].number', '$.session.token', '$.nowhere']
  - id: echo-read
    hosts: [echo.test]
    redact: [$.headers.host]
  - id: raw-redact
    hosts: [ws.test, pass.test]
    redact: [ssn]
`);
  });
  after(async () => {
    await g.close();
    await plain.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** curl through the intercepted tunnel: status, headers (lower-case names) and body. */
  async function get(path: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const r = await exec(
      'curl',
      ['-sS', '--proxy', g.proxyUrl, '--cacert', g.caFile, '--suppress-connect-headers', '-D', '-', '--compressed', `https://crm.test:${port}${path}`],
      { timeoutMs: 30_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    return splitResponse(r.stdout);
  }

  const recordOf = (path: string) => {
    const rec = g.audit.records.find((r) => r.path === path);
    assert.ok(rec, `no record of ${path}`);
    return rec;
  };

  function assertNoCanary(...texts: string[]): void {
    const all = [...texts, JSON.stringify(g.audit.records), JSON.stringify(g.logs)].join('\n');
    for (const c of CANARY) assert.ok(!all.includes(c), `${c} leaked`);
  }

  test('the named fields are replaced; status, other fields and the header say what happened', async () => {
    const r = await get('/customer');
    assert.equal(r.status, 201, r.body);
    const body = JSON.parse(r.body) as typeof customer;
    assert.equal(body.SSN, REDACTED_MARKER, 'a field name matches whatever its case');
    assert.deepEqual(
      body.cards.map((c) => c.number),
      [REDACTED_MARKER, REDACTED_MARKER],
    );
    assert.deepEqual(
      body.cards.map((c) => c.last4),
      ['4242', '1881'],
    );
    assert.deepEqual(body.session, { token: REDACTED_MARKER, expires: 3600 });
    assert.equal(body.name, 'Ada');
    assert.equal(r.headers['x-sluice-partial'], 'ssn, $.cards[*].number, $.session.token');
    assert.equal(r.headers.etag, undefined, 'the upstream ETag describes other bytes');
    assert.equal(r.headers['content-md5'], undefined);
    assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
    const rec = recordOf('/customer');
    assert.deepEqual([rec.outcome, rec.reason, rec.rule, rec.status], ['allow', 'partial_result', 'crm-read', 201]);
    assert.deepEqual(
      rec.findings.map((f) => [f.type, f.action, f.detail]),
      [
        ['partial_result', 'redact', 'ssn'],
        ['partial_result', 'redact', '$.cards[*].number'],
        ['partial_result', 'redact', '$.session.token'],
      ],
    );
    assertNoCanary(r.body, JSON.stringify(r.headers));
  });

  for (const path of ['/customer.gz', '/customer.br'])
    test(`a ${path.slice(-2)}-encoded body is decoded within the limits, redacted and sent decoded`, async () => {
      const r = await get(path);
      assert.equal(r.status, 200, r.body);
      assert.equal(r.headers['content-encoding'], undefined);
      assert.equal((JSON.parse(r.body) as typeof customer).SSN, REDACTED_MARKER);
      assert.equal(recordOf(path).reason, 'partial_result');
      assertNoCanary(r.body);
    });

  test('a JSON body with nothing to redact passes as it came, with no header and its ETag', async () => {
    const r = await get('/untouched');
    assert.equal(r.status, 200);
    assert.equal(r.body, '{"id":1,"name":"Bob"}');
    assert.equal(r.headers['x-sluice-partial'], undefined);
    assert.equal(r.headers.etag, '"v2"');
    assert.deepEqual([recordOf('/untouched').reason, recordOf('/untouched').findings], ['rule_allow', []]);
    const empty = await get('/empty');
    assert.deepEqual([empty.status, empty.body], [200, '']);
  });

  for (const [path, why] of [
    ['/html', /cannot be read as JSON the way the agent would read it \(not valid JSON\)/],
    ['/dup', /cannot be read as JSON the way the agent would read it .*the same key twice/],
    ['/huge', /over 4096 bytes \(inspect\.max_response_scan_bytes\)/],
    ['/compress', /content encoding the gate cannot read/],
    ['/events', /an event stream cannot be redacted field by field/],
  ] as const) {
    test(`fails closed: ${path.slice(1)} is refused 403 response_unreadable, never passed unredacted`, async () => {
      const r = await get(path);
      assert.equal(r.status, 403, r.body);
      const deny = JSON.parse(r.body) as { error: string; reason: string };
      assert.equal(deny.error, 'response_unreadable');
      assert.match(deny.reason, why);
      const rec = recordOf(path);
      assert.deepEqual([rec.outcome, rec.reason], ['deny', 'response_unreadable']);
      assertNoCanary(r.body);
    });
  }

  test('plain HTTP (absolute-form through the proxy) is redacted too', async () => {
    const res = await new Promise<{ status: number; partial: string | undefined; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: g.port,
          path: `http://echo.test:${plain.port}/echo`,
          headers: { host: `echo.test:${plain.port}`, 'proxy-authorization': g.auth },
          agent: false,
        },
        (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c.toString()));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, partial: r.headers['x-sluice-partial'] as string | undefined, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.partial, '$.headers.host');
    assert.equal((JSON.parse(res.body) as { headers: { host: string } }).headers.host, REDACTED_MARKER);
  });

  test('a WebSocket or a passthrough tunnel under a rule with redact: is refused at its decision, naming the rule', async () => {
    const ws = await openThroughGate(g, `ws://ws.test:${plain.port}/ws`);
    assert.ok(!isOpen(ws), 'the WebSocket opened');
    assert.equal(ws.status, 403);
    const deny = JSON.parse(ws.body) as { error: string; reason: string; rule: string };
    assert.deepEqual([deny.error, deny.rule], ['response_unreadable', 'raw-redact']);
    assert.match(deny.reason, /rule raw-redact redacts response fields \(redact:\), which a WebSocket .* cannot carry/);
    const tunnel = await connectTunnel(g, `pass.test:${port}`, g.auth);
    assert.equal(typeof tunnel, 'string', 'the passthrough tunnel opened');
    assert.match(tunnel as string, /^HTTP\/1\.1 403/);
    const rec = g.audit.records.find((r) => r.method === 'CONNECT' && r.host === 'pass.test');
    assert.deepEqual([rec?.outcome, rec?.reason, rec?.rule], ['deny', 'response_unreadable', 'raw-redact']);
  });
});
