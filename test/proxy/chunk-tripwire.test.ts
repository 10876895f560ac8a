/**
 * The chunk tripwire (src/proxy/chunk-tripwire.ts) on the paths a body of tiny chunks
 * can take besides plain HTTP (stall.test.ts has that one): inside an intercepted TLS
 * tunnel, and after `Expect: 100-continue`. Each is refused with 400 while the parser
 * reads it (few chunks pushed into the request stream), and the upstream never gets a
 * complete body.
 */
import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { upstreamPki } from '../helpers/pki.js';
import { interceptedTunnel } from '../helpers/tunnel.js';
import { parseRawResponse } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/** Chunks Node's HTTP parser pushed into requests of the gate's, by request target. */
const pushed = new Map<string, number>();
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(this) below
const origPush = Readable.prototype.push;
Readable.prototype.push = function (this: Readable, chunk: unknown, encoding?: BufferEncoding) {
  if (this instanceof IncomingMessage && chunk !== null && this.url?.includes('tripwire')) pushed.set(this.url, (pushed.get(this.url) ?? 0) + 1);
  return origPush.call(this, chunk, encoding);
};

const ONE_BYTE_CHUNKS = Buffer.from('1\r\nx\r\n'.repeat(10_000));

describe('the chunk tripwire', () => {
  let up: Upstream;
  let g: TestGate;
  before(async () => {
    up = await startUpstream({ tls: true, names: ['api.upstream.test'] });
    const ca = (await upstreamPki()).caFile;
    g = await startTestGate(`
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${ca}
rules:
  - id: upstream
    hosts: [api.upstream.test]
`);
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  /** Send `head`, then one-byte chunks until the gate closes (at most 3.6 MB); what it answered. */
  async function flood(s: Socket, head: string, waitFor100 = false): Promise<string> {
    let got = '';
    s.on('data', (c: Buffer) => (got += c.toString('latin1')));
    s.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    s.write(head);
    if (waitFor100) {
      for (let i = 0; i < 200 && !got.includes('100 Continue'); i++) await new Promise((r) => setTimeout(r, 10));
      assert.match(got, /^HTTP\/1\.1 100 Continue/, 'the upload was allowed first');
      got = got.slice(got.indexOf('\r\n\r\n') + 4);
    }
    for (let i = 0; i < 60 && !s.destroyed && s.writable; i++) {
      if (!s.write(ONE_BYTE_CHUNKS)) await Promise.race([new Promise((r) => s.once('drain', r)), closed]);
    }
    if (!s.destroyed && s.writable) s.write('0\r\n\r\n');
    await closed;
    return got;
  }

  test('inside an intercepted tunnel: 400 while the parser reads it, the upstream gets no body', async () => {
    const t = await interceptedTunnel(g, 'api.upstream.test', up.port, g.auth);
    const path = '/upload?tripwire-tls';
    const seen = up.seen.length;
    const got = await flood(t, `POST ${path} HTTP/1.1\r\nHost: api.upstream.test:${up.port}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const res = parseRawResponse(got);
    assert.equal(res.status, 400, res.body);
    assert.match((JSON.parse(res.body) as { reason: string }).reason, /chunked framing outweighs its data/);
    const n = pushed.get(path) ?? 0;
    assert.ok(n > 0 && n < 2_000, `${n} chunks pushed into the request stream`);
    assert.equal(up.seen.filter((r) => r.url === path).length, 0, `the upstream saw no complete request (${up.seen.length - seen} requests since)`);
  });

  test('after Expect: 100-continue: 400 while the parser reads it', async () => {
    const s = connect(g.port, '127.0.0.1');
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    const target = `https://api.upstream.test:${up.port}/upload?tripwire-continue`;
    const got = await flood(
      s,
      `POST ${target} HTTP/1.1\r\nHost: api.upstream.test:${up.port}\r\nProxy-Authorization: ${g.auth}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n`,
      true,
    );
    const res = parseRawResponse(got);
    assert.equal(res.status, 400, res.body);
    assert.match((JSON.parse(res.body) as { reason: string }).reason, /chunked framing outweighs its data/);
    const n = pushed.get(target) ?? 0;
    assert.ok(n > 0 && n < 2_000, `${n} chunks pushed into the request stream`);
    assert.equal(up.seen.filter((r) => r.url.includes('tripwire-continue')).length, 0, 'the upstream saw no complete request');
  });
});
