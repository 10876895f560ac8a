import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import type { AuditRecord } from '../../src/audit/fields.js';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

// Decoding limits fail closed (issue 10, class 7): what DLP could not read is a finding
// that blocks, a body past the scan limit is refused, a corrupt encoding is answered at once.

const AWS = 'AKIAQYLPMN5HHHFPZAM2';
const CANARY = `sk-canary-${randomBytes(16).toString('hex')}`;
const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');
/** One decoy: base64 of text that carries a percent escape, a backslash escape and more base64 (each decodes to a copy). */
const DECOY = b64(`\\x41%41${b64(`xyz${'Lorem ipsum dolor sit amet consectetur adipiscing elit '.repeat(2)}`)}%41\\x41`);
const DECOYS = `${DECOY} `.repeat(16);
/** An AWS key, base64-encoded inside some prose (the decoded layer is what carries it). */
const SECRET = b64(`note: ${'the quick brown fox jumps over the lazy dog. '.repeat(6)} aws key ${AWS} ok`);
/** Idle timeout far beyond the hang detector: an answer that comes is not the idle timeout's. */
const IDLE = 'timeouts:\n  idle: 10m\n';
/** A bound on each request, to name a hang (8 s aborted healthy 5 MiB uploads on a loaded machine). */
const HANG = 60_000;
const BIG = Buffer.alloc(5 * 1024 * 1024, 'a');
/** 200 MiB of zeros, about 200 KB gzipped. */
const BOMB = gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });

interface Reply {
  status: number;
  body: string;
}

function via(g: TestGate, target: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer; chunked?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'proxy-authorization': g.auth, ...(opts.headers ?? {}) };
    if (opts.body && !opts.chunked) headers['content-length'] = String(opts.body.length);
    const req = request(
      { host: '127.0.0.1', port: g.port, method: opts.method ?? (opts.body ? 'POST' : 'GET'), path: target, headers, signal: AbortSignal.timeout(HANG) },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body && opts.chunked) {
      // a chunked upload with no declared length, written in pieces
      for (let i = 0; i < opts.body.length; i += 256 * 1024) req.write(opts.body.subarray(i, i + 256 * 1024));
      req.end();
    } else req.end(opts.body);
  });
}

function error(r: Reply): string {
  return (JSON.parse(r.body) as { error: string }).error;
}

async function record(g: TestGate, pathPart: string): Promise<AuditRecord> {
  for (let i = 0; i < 100; i++) {
    const rec = g.audit.records.find((r) => r.path.includes(pathPart));
    if (rec) return rec;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no audit record for ${pathPart}`);
}

// The CPU budget is raised out of the way: on a loaded machine it would otherwise
// answer first, and these tests are about the decoding limits.
const CONFIG = (up: Upstream, inspectExtra = ''): string => `
${IDLE}inspect:
  scan_budget_ms: 600000
${inspectExtra}dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: upstream
    hosts: [api.upstream.test]
`;

describe('decoding limits fail closed', () => {
  let up: Upstream;
  let g: TestGate;
  let origin: string;
  before(async () => {
    up = await startUpstream();
    origin = `http://api.upstream.test:${up.port}`;
    g = await startTestGate(CONFIG(up), { secrets: { billing_key: CANARY } });
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  test('decoys ahead of base64(AWS key) do not blind the scanner: body, header and query are blocked', async () => {
    const seen = up.seen.length;
    const body = await via(g, `${origin}/upload`, { body: Buffer.from(`${DECOYS} ${SECRET}`), headers: { 'content-type': 'text/plain' } });
    assert.equal(body.status, 403, body.body);
    assert.equal(error(body), 'dlp_blocked');
    assert.match(body.body, /aws_access_key_id in body \(base64\)/);
    const header = await via(g, `${origin}/echo`, { headers: { 'x-data': `${DECOYS} ${SECRET}` } });
    assert.equal(header.status, 403, header.body);
    assert.match(header.body, /aws_access_key_id in header:x-data/);
    // curl, as an agent would send it
    const q = await exec('curl', [
      '-s',
      '-o',
      '-',
      '-w',
      '\n%{http_code}',
      '-x',
      g.proxyUrl,
      `${origin}/echo?a=${encodeURIComponent(DECOYS)}&d=${encodeURIComponent(SECRET)}`,
    ]);
    assert.equal(q.stdout.split('\n').pop(), '403', q.stdout);
    assert.match(q.stdout, /aws_access_key_id in url\.query/);
    assert.equal(up.seen.length, seen, 'nothing reached the upstream');
  });

  test('what decoding could not reach is a dlp_scan_incomplete finding, and it blocks by default', async () => {
    const seen = up.seen.length;
    const blocked = await via(g, `${origin}/upload`, { body: Buffer.from(DECOYS), headers: { 'content-type': 'text/plain' } });
    assert.equal(blocked.status, 403, blocked.body);
    assert.match(blocked.body, /dlp_scan_incomplete in body/);
    assert.equal(up.seen.length, seen);
    const hdr = await via(g, `${origin}/echo`, { headers: { 'x-data': DECOYS } });
    assert.equal(hdr.status, 403, hdr.body);
    assert.match(hdr.body, /dlp_scan_incomplete in header:x-data/);
  });

  test('a gzip body that decodes past max_body_bytes, with a canary after the limit, is refused 413; nothing leaves', async () => {
    const seen = up.seen.length;
    const text = Buffer.concat([Buffer.from('log line: all quiet, nothing to see\n'.repeat(130_000)), Buffer.from(`token=${CANARY}\n`)]);
    assert.ok(text.length > 4 * 1024 * 1024);
    const gz = gzipSync(text, { level: 9 });
    const r = await via(g, `${origin}/upload`, { body: gz, headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' } });
    assert.equal(r.status, 413, r.body);
    assert.equal(error(r), 'body_too_large_to_scan');
    assert.ok(!r.body.includes(CANARY));
    assert.equal(up.seen.length, seen, 'the upstream received no complete request');
  });

  test('a plain body past max_body_bytes is refused 413, declared or chunked', async () => {
    const seen = up.seen.length;
    const declared = await via(g, `${origin}/upload`, { body: BIG, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(declared.status, 413, declared.body);
    assert.equal(error(declared), 'body_too_large_to_scan');
    const chunked = await via(g, `${origin}/upload`, { body: BIG, chunked: true, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(chunked.status, 413, chunked.body);
    assert.equal(up.seen.length, seen);
  });

  test('a request decompression bomb is refused 403 decompression_bomb', async () => {
    const seen = up.seen.length;
    const r = await via(g, `${origin}/upload`, { body: BOMB, headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' } });
    assert.equal(r.status, 403, r.body);
    assert.equal(error(r), 'decompression_bomb');
    assert.equal(up.seen.length, seen);
  });

  describe('inspect.dlp.on_incomplete: warn', () => {
    let warn: TestGate;
    before(async () => {
      warn = await startTestGate(CONFIG(up, '  dlp:\n    on_incomplete: warn\n'), { secrets: { billing_key: CANARY } });
    });
    after(() => warn.close());

    test('a shallow secret behind decoys is still found: the budget is not spendable to blind the scanner', async () => {
      const r = await via(warn, `${origin}/upload`, { body: Buffer.from(`${DECOYS.repeat(4)} ${SECRET}`), headers: { 'content-type': 'text/plain' } });
      assert.equal(r.status, 403, r.body);
      assert.match(r.body, /aws_access_key_id in body \(base64\)/);
    });

    test('what decoding could not reach passes, with a dlp_scan_incomplete warning in the audit', async () => {
      const passed = await via(warn, `${origin}/upload-warned`, { body: Buffer.from(DECOYS), headers: { 'content-type': 'text/plain' } });
      assert.equal(passed.status, 200, passed.body);
      const rec = await record(warn, '/upload-warned');
      const f = rec.findings.find((x) => x.type === 'dlp_scan_incomplete');
      assert.ok(f, JSON.stringify(rec.findings));
      assert.equal(f.action, 'warn');
    });

    test('a plain body past max_body_bytes passes, with a dlp_scan_limit warning', async () => {
      const ok = await via(warn, `${origin}/upload-bigwarn`, { body: BIG, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(ok.status, 200, ok.body);
      const rec = await record(warn, '/upload-bigwarn');
      assert.ok(
        rec.findings.some((x) => x.type === 'dlp_scan_limit' && x.action === 'warn'),
        JSON.stringify(rec.findings),
      );
    });

    test('a decompression bomb is still refused (decoding goes on past the scan limit, unscanned)', async () => {
      const r = await via(warn, `${origin}/upload`, { body: BOMB, headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' } });
      assert.equal(r.status, 403, r.body);
      assert.equal(error(r), 'decompression_bomb');
    });
  });

  const TEXT = Buffer.from(`{"note":"${'hello world, a perfectly ordinary body. '.repeat(50)}"}`);
  const TRAILING: Array<[string, string, Buffer]> = [
    ['deflate', 'deflate', Buffer.concat([deflateSync(TEXT), Buffer.from('TRAILING-BYTES')])],
    ['raw deflate', 'deflate', Buffer.concat([deflateRawSync(TEXT), Buffer.from('\0\0\0\0')])],
    ['br', 'br', Buffer.concat([brotliCompressSync(TEXT), Buffer.from('TRAILING-BYTES')])],
    ['gzip', 'gzip', Buffer.concat([gzipSync(TEXT), Buffer.from('\0\0\0\0\0\0\0\0')])],
  ];

  for (const [name, encoding, body] of TRAILING) {
    test(`a ${name} request body with bytes after the compressed stream is answered 400 at once`, async () => {
      const seen = up.seen.length;
      const r = await via(g, `${origin}/upload`, { body, headers: { 'content-type': 'application/json', 'content-encoding': encoding } });
      assert.equal(r.status, 400, r.body);
      assert.equal(error(r), 'bad_request');
      assert.equal(up.seen.length, seen);
    });
  }

  describe('an upstream answering a compressed body with trailing bytes', () => {
    let server: Server;
    let port: number;
    before(async () => {
      server = createServer((req, res) => {
        const hit = TRAILING.find(([name]) => req.url === `/${name.replace(' ', '-')}`);
        if (!hit) return void res.writeHead(404).end();
        // keep-alive: the upstream connection stays open after the response
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': hit[1], 'content-length': hit[2].length });
        res.end(hit[2]);
      });
      server.keepAliveTimeout = 10 * 60_000;
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    });

    for (const [name] of TRAILING) {
      test(`${name}: 502 at once, while the upstream connection is still open`, async () => {
        const r = await via(g, `http://api.upstream.test:${port}/${name.replace(' ', '-')}`);
        assert.equal(r.status, 502, r.body);
        assert.equal(error(r), 'response_corrupt');
        const open = await new Promise<number>((res, rej) => server.getConnections((err, n) => (err ? rej(err) : res(n))));
        assert.ok(open > 0, 'the answer came while the upstream connection was open, not from its close');
      });
    }
  });
});
