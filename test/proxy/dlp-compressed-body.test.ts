import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const SECRET = `sk-canary-${randomBytes(16).toString('hex')}`;

describe('DLP reads a compressed request body as the upstream will', () => {
  let up: Upstream;
  let g: TestGate;
  before(async () => {
    up = await startUpstream();
    g = await startTestGate(
      `
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
inspect:
  dlp:
    # the log upload below decodes to 6.7 MB: DLP must read all of it (past the limit is refused)
    max_body_bytes: 16777216
rules:
  - id: upstream
    hosts: [api.upstream.test]
`,
      { secrets: { billing_key: SECRET } },
    );
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  function post(body: Buffer, encoding: string, type = 'application/json'): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: g.port,
          method: 'POST',
          path: `http://api.upstream.test:${up.port}/upload`,
          headers: { 'proxy-authorization': g.auth, 'content-type': type, 'content-encoding': encoding, 'content-length': String(body.length) },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  for (const [name, squeeze] of [
    ['gzip', gzipSync],
    ['br', brotliCompressSync],
  ] as const) {
    test(`${name}: a held secret inside is blocked before any byte reaches the upstream; a clean body passes unchanged`, async () => {
      const seen = up.seen.length;
      const bad = await post(squeeze(Buffer.from(JSON.stringify({ note: 'hello', key: SECRET }))), name);
      assert.equal(bad.status, 403, bad.body);
      assert.equal((JSON.parse(bad.body) as { error: string }).error, 'dlp_blocked');
      assert.ok(!bad.body.includes(SECRET));
      const clean = squeeze(Buffer.from(JSON.stringify({ note: 'hello' })));
      const ok = await post(clean, name);
      assert.equal(ok.status, 200, ok.body);
      assert.equal(up.seen.length, seen + 1, 'only the clean body reached the upstream');
      assert.equal(up.seen.at(-1)?.bodyBytes, clean.length, 'forwarded as the agent compressed it');
    });
  }

  test('an encoding the gate cannot read is refused (415), a corrupt body too (400): nothing unscanned leaves', async () => {
    const seen = up.seen.length;
    const odd = await post(Buffer.from('whatever'), 'x-custom');
    assert.equal(odd.status, 415, odd.body);
    assert.equal((JSON.parse(odd.body) as { error: string }).error, 'unsupported_encoding');
    const corrupt = await post(Buffer.from('not gzip at all, really'), 'gzip');
    assert.equal(corrupt.status, 400, corrupt.body);
    assert.equal(up.seen.length, seen);
  });

  test('a large compressed body that decodes past mcp.max_message_bytes is refused only when it is JSON-RPC; a log upload passes', async () => {
    const seen = up.seen.length;
    const log = gzipSync(Buffer.from('2026-11-22 12:00:00 INFO request served in 3 ms\n'.repeat(140_000)));
    const ok = await post(log, 'gzip', 'text/plain');
    assert.equal(ok.status, 200, ok.body);
    assert.equal(up.seen.length, seen + 1);
    const rpc = gzipSync(
      Buffer.from(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'x', arguments: { blob: randomBytes(5 * 1024 * 1024).toString('base64') } },
        }),
      ),
    );
    const refused = await post(rpc, 'gzip');
    assert.equal(refused.status, 413, refused.body);
    assert.equal((JSON.parse(refused.body) as { error: string }).error, 'message_too_large');
    assert.equal(up.seen.length, seen + 1);
    // Padding that compresses a thousandfold is a bomb, refused, not passed on unparsed.
    const padded = brotliCompressSync(
      Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x', arguments: { pad: ' '.repeat(3 * 1024 * 1024) } } })),
    );
    const bomb = await post(padded, 'br', 'text/plain');
    assert.equal(bomb.status, 403, bomb.body);
    assert.equal((JSON.parse(bomb.body) as { error: string }).error, 'decompression_bomb');
    assert.equal(up.seen.length, seen + 1);
  });
});
