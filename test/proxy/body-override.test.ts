import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Rejection } from '../../src/proxy/errors-map.js';
import { guardBodyOverride } from '../../src/proxy/body-override.js';
import { headerAndQueryOverrides } from '../../src/proxy/method-override.js';
import { ScanBudgetError, ScanPace, SLICE_BYTES } from '../../src/inspect/scan-pace.js';
import { once } from '../../src/proxy/mcp/answer.js';
import { MAX_BATCH } from '../../src/proxy/coalesce.js';

/** Run a body through the guard in chunks of `size` bytes; returns the methods seen and what was released. */
async function run(body: string, type: string, size: number, extra: Record<string, string> = {}): Promise<{ methods: string[]; out: string; error: unknown }> {
  const methods: string[] = [];
  const bytes = Buffer.from(body, 'latin1');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  const chunks = (): AsyncIterable<Buffer> => Readable.from(parts);
  let out = '';
  let error: unknown = null;
  try {
    for await (const c of guardBodyOverride(chunks(), { 'content-type': type, ...extra }, (o) => void methods.push(o.method), LIMITS))
      out += c.toString('latin1');
  } catch (err) {
    error = err;
  }
  return { methods, out, error };
}

const FORM = 'application/x-www-form-urlencoded';
const LIMITS = 1 << 20;
const MULTI = 'multipart/form-data; boundary=----b0undary';

void test('a urlencoded _method is found whatever the chunking and spelling', async () => {
  const cases: [string, string[]][] = [
    ['_method=DELETE', ['DELETE']],
    ['a=1&_method=delete&b=2', ['DELETE']],
    ['%5Fmethod=put', ['PUT']],
    ['%5F%6D%65%74%68%6F%64=PATCH', ['PATCH']],
    ['_METHOD=delete', ['DELETE']],
    ['.method=delete', ['DELETE']],
    ['_method=%44ELETE', ['DELETE']],
    [`pad=${'x'.repeat(5000)}&_method=DELETE`, ['DELETE']],
    ['_method=GET&_method=DELETE', ['GET', 'DELETE']],
    ['method=DELETE&x_method=DELETE', []],
    [`${'k'.repeat(200)}=_method&v=1`, []],
  ];
  for (const [body, want] of cases) {
    for (const size of [1, 3, 7, 4096]) {
      const r = await run(body, FORM, size);
      assert.equal(r.error, null, `${body} / ${size}`);
      assert.deepEqual(r.methods, want, `${body} / ${size}`);
      assert.equal(r.out, body, 'the body itself is passed on unchanged');
    }
  }
});

void test('a multipart _method part is found whatever the chunking', async () => {
  const body = `------b0undary\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nname="_method"\r\n------b0undary\r\nContent-Disposition: form-data; name="_method"\r\n\r\nDELETE\r\n------b0undary--\r\n`;
  for (const size of [1, 5, 64, 4096]) {
    const r = await run(body, MULTI, size);
    assert.equal(r.error, null);
    assert.deepEqual(r.methods, ['DELETE'], `size ${size}`);
  }
  const ext = `------b0undary\r\nContent-Disposition: form-data; name*=utf-8''%5Fmethod\r\n\r\nPUT\r\n------b0undary--\r\n`;
  assert.deepEqual((await run(ext, MULTI, 3)).methods, ['PUT']);
});

void test('a top-level JSON _method is found, escapes and chunking included; nested keys and other strings are not', async () => {
  const JSON_TYPE = 'application/json; charset=utf-8';
  const cases: [string, string[]][] = [
    ['{"_method":"DELETE"}', ['DELETE']],
    ['{"a":{"_method":"PUT"},"b":"_method","_method" : "delete"}', ['DELETE']],
    ['{"\\u005fmethod":"DEL\\u0045TE"}', ['DELETE']],
    [`{"note":"${'x'.repeat(5000)}\\"_method\\":\\"DELETE","ok":true}`, []],
    ['[{"_method":"DELETE"}]', []],
    ['{"_method":null,"x":"DELETE"}', []],
  ];
  for (const [body, want] of cases) {
    for (const size of [1, 4, 4096]) {
      const r = await run(body, JSON_TYPE, size);
      assert.equal(r.error, null, body);
      assert.deepEqual(r.methods, want, `${body} / ${size}`);
    }
  }
  assert.deepEqual((await run('{"_method":"PATCH"}', 'application/vnd.api+json', 2)).methods, ['PATCH']);
});

void test('the last chunk is held until the body is judged; an unreadable override is refused', async () => {
  const methods: string[] = [];
  const released: string[] = [];
  const chunks = (): AsyncIterable<Buffer> => Readable.from([Buffer.from('a=1&_meth'), Buffer.from('od=DEL'), Buffer.from('ETE')]);
  await assert.rejects(async () => {
    for await (const c of guardBodyOverride(
      chunks(),
      { 'content-type': FORM },
      (o) => {
        methods.push(o.method);
        throw new Rejection('policy_denied', 'no');
      },
      LIMITS,
    ))
      released.push(c.toString());
  }, Rejection);
  assert.deepEqual(methods, ['DELETE']);
  assert.deepEqual(released, ['a=1&_meth', 'od=DEL'], 'the chunk that completes the override never left');

  const long = await run(`_method=${'D'.repeat(500)}`, FORM, 7);
  assert.ok(long.error instanceof Rejection && long.error.status === 400);
  // A compressed body is read decoded, as Express's body parsers read it.
  const gzBody = gzipSync(Buffer.from('a=1&_method=DELETE')).toString('latin1');
  const gz = await run(gzBody, FORM, 5, { 'content-encoding': 'gzip' });
  assert.deepEqual(gz.methods, ['DELETE']);
  assert.equal(gz.out, gzBody, 'the compressed bytes themselves are passed on');
  const zstd = await run('x', FORM, 10, { 'content-encoding': 'zstd' });
  assert.ok(zstd.error instanceof Rejection && zstd.error.status === 415);
  const corrupt = await run('not gzip at all', FORM, 4, { 'content-encoding': 'gzip' });
  assert.ok(corrupt.error instanceof Rejection && corrupt.error.status === 400);
  const bomb = await run(gzipSync(Buffer.alloc(4 << 20, 0x61)).toString('latin1'), FORM, 4096, { 'content-encoding': 'gzip' });
  assert.ok(bomb.error instanceof Rejection && bomb.error.error === 'decompression_bomb');
  const plain = await run('{"a":1}', 'application/json', 2);
  assert.equal(plain.out, '{"a":1}');
});

void test('headers and the query name overrides; a value that is not a method is refused', () => {
  assert.deepEqual(
    headerAndQueryOverrides({ 'x-http-method-override': 'delete', 'x-http-method': 'PUT, PATCH' }, '/x?_method=POST&a=b').map((o) => o.method),
    ['DELETE', 'PUT', 'PATCH', 'POST'],
  );
  assert.deepEqual(headerAndQueryOverrides({}, '/x?a=_method&b=1'), []);
  assert.deepEqual(
    headerAndQueryOverrides({}, '/x?X-HTTP-Method-Override=put&%5Fmethod=patch').map((o) => o.method),
    ['PUT', 'PATCH'],
  );
  assert.throws(() => headerAndQueryOverrides({ 'x-method-override': 'DELETE /x' }, '/'), Rejection);
});

void test('a body read ahead as one large buffer is read in slices with turns between them, within the exchange budget', async () => {
  // As the MCP intake hands on a body it read ahead: one buffer of a few MiB, `_method` at its very end.
  const items = Array.from({ length: 60_000 }, (_, i) => `{"id":${i},"name":"record ${i}"}`);
  const body = Buffer.from(`{"items":[${items.join(',')}],"_method":"DELETE"}`);
  const methods: string[] = [];
  const pace = new ScanPace();
  let out = 0;
  for await (const c of guardBodyOverride(Readable.from([body]), { 'content-type': 'application/json' }, (o) => void methods.push(o.method), LIMITS, pace))
    out += c.length;
  assert.deepEqual(methods, ['DELETE']);
  assert.equal(out, body.length);
  // One turn per slice (SLICE_BYTES) at least: the event loop ran between them.
  assert.ok(pace.yields >= Math.floor(body.length / SLICE_BYTES) - 1, `${pace.yields} turns for ${body.length} bytes`);
  assert.ok(pace.spentMs > 0);
  // And a budget spent refuses, as the DLP scan's does.
  const spent = new ScanPace(0);
  await assert.rejects(async () => {
    for await (const c of guardBodyOverride(Readable.from([body]), { 'content-type': 'application/json' }, () => undefined, LIMITS, spent)) void c;
  }, ScanBudgetError);
});

void test('a body in hand goes on in pieces of at most one socket read, whole and in order', async () => {
  const body = Buffer.alloc(4 * 1024 * 1024 + 123);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
  const pieces: Buffer[] = [];
  for await (const p of once(body)) pieces.push(p);
  assert.ok(pieces.length >= Math.ceil(body.length / MAX_BATCH), `${pieces.length} pieces`);
  assert.ok(pieces.every((p) => p.length <= MAX_BATCH && p.length > 0));
  assert.ok(Buffer.concat(pieces).equals(body));
  // A small body is handed on as it is, and an empty one not at all.
  const small = Buffer.from('{"jsonrpc":"2.0"}');
  const got: Buffer[] = [];
  for await (const p of once(small)) got.push(p);
  assert.equal(got.length, 1);
  assert.equal(got[0], small);
  for await (const p of once(Buffer.alloc(0))) assert.fail(`piece of ${p.length} bytes from an empty body`);
});
