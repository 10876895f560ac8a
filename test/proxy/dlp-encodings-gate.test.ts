/**
 * Every encoding of the DLP detection bench, sent through a running gate by a real
 * HTTP client to a real upstream on loopback: an AWS key id (a pattern) and a store
 * value (a known secret) under each encoding, in a rotating placement (URL, header,
 * cookie, JSON, form, multipart, text), are refused 403 dlp_blocked and never reach
 * the upstream; uploads with no Content-Encoding (gzip, zlib, zip, tar, tar.gz), a
 * secret split across parts of one request and a store value in the other hex case
 * too. Ordinary look-alikes (a data:image/png in JSON, git ids, UUIDs, lockfile
 * hashes, a clean zip) pass.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { BINARY_ENCODINGS, ENCODINGS } from '../../bench/detection/dlp-encodings.js';
import { PLACEMENTS, pct, upload, type Input } from '../../bench/detection/dlp-placements.js';
import { tar, zip } from '../../bench/detection/dlp-containers.js';

const STORE_VALUE = `Zq${randomBytes(15).toString('base64url')}`;
const HEX_VALUE = randomBytes(16).toString('hex');
const AWS = 'x AKIAFAKE0000TEST1234 y';
const HOST = 'api.upstream.test';
const TEXT_PLACEMENTS = ['url', 'header', 'cookie', 'body-json', 'body-form', 'multipart', 'text'];

describe('DLP through a running gate: every encoding, placement and upload', () => {
  let up: Upstream;
  let g: TestGate;
  before(async () => {
    up = await startUpstream();
    g = await startTestGate(
      `
dns:
  hosts:
    ${HOST}: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: upstream
    hosts: [${HOST}]
`,
      { secrets: { billing_key: STORE_VALUE, webhook_hex: HEX_VALUE } },
    );
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  function send(input: Input): Promise<{ status: number; body: string }> {
    const body = input.body === undefined ? undefined : Buffer.from(input.body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: g.port,
          method: input.method ?? 'GET',
          path: `http://${HOST}:${up.port}${input.url ?? '/'}`,
          headers: { 'proxy-authorization': g.auth, ...(input.headers ?? {}), ...(body ? { 'content-length': String(body.length) } : {}) },
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

  async function refused(input: Input, what: string, secret: string): Promise<void> {
    const seen = up.seen.length;
    const r = await send(input);
    assert.equal(r.status, 403, `${what}: ${r.body}`);
    assert.equal((JSON.parse(r.body) as { error: string }).error, 'dlp_blocked', what);
    assert.ok(!r.body.includes(secret), `${what}: the deny body does not echo the secret`);
    assert.equal(up.seen.length, seen, `${what}: nothing reached the upstream`);
  }

  let turn = 0;
  for (const [name, encode] of Object.entries(ENCODINGS)) {
    test(`${name}: an AWS key id and a store value are refused`, async () => {
      for (const [secret, text] of [
        [AWS, AWS],
        [STORE_VALUE, `token ${STORE_VALUE}`],
      ] as const) {
        const placement = TEXT_PLACEMENTS[turn++ % TEXT_PLACEMENTS.length] as string;
        const charset = BINARY_ENCODINGS.has(name) && !name.endsWith('bom') ? (name.startsWith('utf16le') ? 'utf-16le' : 'utf-16be') : undefined;
        const input = (PLACEMENTS[placement] as (typeof PLACEMENTS)[string])(encode(text), charset);
        await refused(input, `${name} in ${placement}`, secret);
      }
    });
  }

  test('uploads with no Content-Encoding: gzip, zlib, zip, tar and tar.gz carrying a key are refused', async () => {
    const file = `# settings\nAWS_ACCESS_KEY_ID=AKIAFAKE0000TEST1234\nbilling=${STORE_VALUE}\n`;
    const files = [
      { name: 'README.md', data: '# app\n' },
      { name: '.env', data: file },
    ];
    const cases: Record<string, Buffer> = { gzip: gzipSync(file), zlib: deflateSync(file), zip: zip(files), tar: tar(files), 'tar.gz': gzipSync(tar(files)) };
    for (const [name, body] of Object.entries(cases)) await refused(upload(body, 'application/octet-stream'), name, STORE_VALUE);
  });

  test('a secret split across query values, path segments, headers or cookies of one request is refused', async () => {
    const v = 'AKIAFAKE0000TEST1234';
    const [a, b] = [v.slice(0, 9), v.slice(9)];
    const [k, l] = [STORE_VALUE.slice(0, 10), STORE_VALUE.slice(10)];
    await refused({ method: 'GET', url: `/c?p1=${pct(a)}&p2=${pct(b)}` }, 'query', v);
    await refused({ method: 'GET', url: `/files/${k}/${l}/x` }, 'path', STORE_VALUE);
    await refused({ method: 'GET', url: '/api', headers: { 'x-part-a': a, 'x-part-b': b } }, 'headers', v);
    await refused({ method: 'GET', url: '/api', headers: { cookie: `c1=${k}; c2=${l}` } }, 'cookies', STORE_VALUE);
    await refused({ method: 'GET', url: `/api?tail=${pct(b)}`, headers: { 'x-head': a } }, 'header and query', v);
    // neighbouring values of a JSON or form body, as a lenient server concatenates them
    const json = (body: unknown): Input => ({
      method: 'POST',
      url: '/api/config',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await refused(json({ provider: 'aws', access_key: a, key_suffix: b, region: 'eu' }), 'JSON fields', v);
    const [x, y, z] = [STORE_VALUE.slice(0, 7), STORE_VALUE.slice(7, 14), STORE_VALUE.slice(14)];
    await refused(json({ note: { parts: [x, y, z] } }), 'three JSON array items', STORE_VALUE);
    await refused(
      { method: 'POST', url: '/submit', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `name=r&k1=${pct(a)}&k2=${pct(b)}` },
      'form fields',
      v,
    );
  });

  test('a store value that is hex, sent in the other case (or mixed), is refused', async () => {
    await refused(PLACEMENTS.url?.(`sig=${HEX_VALUE.toUpperCase()}`) ?? {}, 'upper', HEX_VALUE);
    const mixed = Array.from(HEX_VALUE, (c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
    await refused(PLACEMENTS['body-json']?.(`sig=${mixed}`) ?? {}, 'mixed', HEX_VALUE);
  });

  test('ordinary traffic passes: a data:image/png in JSON, git ids, UUIDs, lockfile hashes, a clean zip', async () => {
    // a real PNG (8x8, one colour per row), as a vision request carries it
    const png = Buffer.concat([
      Buffer.from('89504e470d0a1a0a0000000d49484452000000080000000808020000004b6d29dc', 'hex'),
      deflateSync(Buffer.alloc(8 * 25, 0x7f)),
      randomBytes(64),
    ]);
    const ok: Input[] = [
      {
        method: 'POST',
        url: '/v1/chat',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } }] }],
        }),
      },
      {
        method: 'POST',
        url: '/v1/chat',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image: `data:image/png;base64,${randomBytes(30_000).toString('base64')}` }),
      },
      { method: 'GET', url: `/repos/o/r/commits/${randomBytes(20).toString('hex')}?since=${randomBytes(20).toString('hex')}` },
      {
        method: 'GET',
        url: '/items',
        headers: { 'x-request-id': '8f14e45f-ceea-467a-9575-a1b2c3d4e5f6', cookie: 'sid=6f1ed002ab5595859014ebf0951522d9; theme=dark' },
      },
      {
        method: 'POST',
        url: '/audit',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ integrity: `sha512-${randomBytes(64).toString('base64')}`, resolved: 'https://registry.npmjs.org/x/-/x-1.0.0.tgz' }),
      },
      upload(zip([{ name: 'src/index.ts', data: 'export const answer = 42;\n' }]), 'application/zip'),
      // neighbouring values that are ids and words, in JSON and a form
      {
        method: 'POST',
        url: '/v1/issues',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: '8f14e45f',
          sha: randomBytes(20).toString('hex'),
          tags: ['AKIA', 'docs', 'ops'],
          title: 'Rotate the AKIA keys',
          state: 'open',
        }),
      },
      { method: 'POST', url: '/submit', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'q=AKIA+keys&page=2&sort=desc' },
      {
        method: 'POST',
        url: '/fp',
        headers: { 'content-type': 'text/plain' },
        body: `SHA256 Fingerprint=${randomBytes(32).toString('hex').toUpperCase().match(/../g)?.join(':')}`,
      },
    ];
    for (const [i, input] of ok.entries()) {
      const r = await send(input);
      assert.equal(r.status, 200, `benign ${i}: ${r.body}`);
    }
  });
});
