import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from '../../../src/inspect/mcp/sse.js';
import { charsetOf, recogniseRequest } from '../../../src/proxy/mcp/charset.js';

test('the SSE parser flags events whose bytes were not UTF-8, and only those', () => {
  const p = new SseParser();
  // A character split across chunks is fine.
  const euro = Buffer.from('data: {"a":"€"}\n\n');
  const split = euro.indexOf(0xe2) + 1;
  const ok = [...p.push(euro.subarray(0, split)), ...p.push(euro.subarray(split))];
  assert.equal(ok.length, 1);
  assert.equal(ok[0]!.invalidUtf8, undefined);
  assert.equal(ok[0]!.data, '{"a":"€"}');
  // An invalid byte, an encoded surrogate, an overlong form: flagged.
  for (const bad of [[0xff], [0xed, 0xa0, 0x80], [0xc0, 0xae]]) {
    const q = new SseParser();
    const events = [...q.push(Buffer.concat([Buffer.from('data: {"a":"'), Buffer.from(bad), Buffer.from('"}\n\n')])), ...q.end()];
    assert.equal(events[0]?.invalidUtf8, true, JSON.stringify(bad));
  }
  // The flag follows the event across chunks, and the next clean chunk starts clean.
  const r = new SseParser();
  assert.deepEqual(r.push(Buffer.concat([Buffer.from('data: x'), Buffer.from([0xff])])), []);
  const [flagged] = r.push(Buffer.from('y\n\n'));
  assert.equal(flagged?.invalidUtf8, true);
  const [clean] = r.push(Buffer.from('data: z\n\n'));
  assert.equal(clean?.invalidUtf8, undefined);
  // A stream that ends inside a character: the last event is flagged.
  const e = new SseParser();
  e.push(Buffer.from('data: a\n'));
  e.push(Buffer.from([0xe2]));
  assert.equal(e.end().length, 0);
});

test('a request body is read in its declared charset: JSON-RPC in another one is refused', () => {
  const rpc = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}';
  assert.equal(charsetOf('application/json; Charset="UTF-16LE"'), 'utf-16le');
  assert.equal(charsetOf('application/json'), null);
  assert.equal(recogniseRequest(Buffer.from(rpc), 'application/json; charset=utf-8', false, 1 << 20).kind, 'rpc');
  assert.equal(recogniseRequest(Buffer.from(rpc), 'application/json; charset=iso-8859-1', false, 1 << 20).kind, 'rpc');
  assert.equal(recogniseRequest(Buffer.from(rpc, 'utf16le'), 'application/json; charset=utf-16le', false, 1 << 20).kind, 'unreadable');
  assert.equal(recogniseRequest(Buffer.from(rpc), 'application/json; charset=utf-7', false, 1 << 20).kind, 'unreadable');
  assert.equal(recogniseRequest(Buffer.from(`${rpc.slice(0, -2)},"t":"é"}}`, 'latin1'), 'application/json; charset=latin1', false, 1 << 20).kind, 'unreadable');
  assert.equal(recogniseRequest(Buffer.from('{"name":"x"}', 'utf16le'), 'application/json; charset=utf-16le', false, 1 << 20).kind, 'ordinary');
});
