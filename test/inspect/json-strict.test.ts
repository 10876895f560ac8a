import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldKey, readJsonStrict } from '../../src/inspect/json-strict.js';
import { recogniseJsonRpc } from '../../src/inspect/mcp/recognise.js';
import { couldBeJson, JsonRpcMention, mentionsJsonRpc } from '../../src/inspect/mcp/rpc-markers.js';

function code(input: string | Buffer, maxDepth?: number): string {
  const r = readJsonStrict(input, maxDepth === undefined ? {} : { maxDepth });
  return r.ok ? 'ok' : r.code;
}

test('strict JSON reads what JSON.parse reads, value for value', () => {
  const samples = [
    '{}',
    '[]',
    '0',
    '-0',
    '1.5e3',
    '"a\\u00e9\\ud83d\\ude00"',
    'true',
    'null',
    ' {"a":[1,{"b":null}],"c":"\\"\\\\\\/\\b\\f\\n\\r\\t"} ',
    '{"__proto__":{"x":1}}',
    '9007199254740993.5',
    '123456789012345678901234567890e-10',
  ];
  for (const s of samples) {
    const r = readJsonStrict(s);
    assert.ok(r.ok, s);
    assert.deepEqual(r.value, JSON.parse(s), s);
  }
  const proto = readJsonStrict('{"__proto__":{"x":1}}');
  assert.ok(proto.ok && Object.getPrototypeOf(proto.value) === Object.prototype);
});

test('strict JSON refuses every reading a lenient receiver could make differently', () => {
  const cases: Array<[string | Buffer, string]> = [
    [Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), 'invalid_utf8'],
    [Buffer.from([0x22, 0xc0, 0xae, 0x22]), 'invalid_utf8'], // overlong '.'
    [Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), 'invalid_utf8'], // UTF-8-encoded lone surrogate
    [Buffer.from('\ufeff{}'), 'bom'],
    ['\ufeff{}', 'bom'],
    ['"\\ud800"', 'lone_surrogate'],
    ['"\\udc00"', 'lone_surrogate'],
    ['"\\ud800\\u0041"', 'lone_surrogate'],
    ['"\\ud800x"', 'lone_surrogate'],
    ['"\ud800"', 'lone_surrogate'],
    ['"\udc00\ud800"', 'lone_surrogate'],
    ['{"name":"a","name":"b"}', 'duplicate_key'],
    ['{"name":"a","n\\u0061me":"b"}', 'duplicate_key'],
    ['{"name":"a","NAME":"b"}', 'duplicate_key'],
    ['{"p":{"method":1,"Method":2}}', 'duplicate_key'],
    ['{"jsonrpc":1,"j\u017fonrpc":2}', 'duplicate_key'],
    ['{"id":12345678901234567891}', 'number_precision'],
    ['[9007199254740993]', 'number_precision'],
    ['[1e400]', 'number_precision'],
    ['[-1e400]', 'number_precision'],
    ['{} x', 'trailing_data'],
    ['{}{}', 'trailing_data'],
    ['{}\u0000', 'trailing_data'],
    ['['.repeat(65) + ']'.repeat(65), 'too_deep'],
    ['{"a":'.repeat(65) + '1' + '}'.repeat(65), 'too_deep'],
    ['', 'invalid_json'],
    ['{"a":1,}', 'invalid_json'],
    ['[01]', 'invalid_json'],
    ['[1.]', 'invalid_json'],
    ['[.5]', 'invalid_json'],
    ['[1e]', 'invalid_json'],
    ['"\\x41"', 'invalid_json'],
    ['"a\nb"', 'invalid_json'],
    ["{'a':1}", 'invalid_json'],
    ['{"a" 1}', 'invalid_json'],
    ['[1', 'invalid_json'],
    ['"abc', 'invalid_json'],
    ['nul', 'invalid_json'],
    ['{"a":1]', 'invalid_json'],
  ];
  for (const [input, want] of cases) assert.equal(code(input), want, JSON.stringify(typeof input === 'string' ? input.slice(0, 40) : [...input]));
  assert.equal(code('['.repeat(64) + ']'.repeat(64)), 'ok');
  assert.equal(code('[9007199254740992]'), 'ok'); // 2^53 is exact
  assert.equal(code('[123456789012345678901234567890.5]'), 'ok'); // a fraction is a double to every reader
  assert.equal(readJsonStrict('{"a":1}', { maxBytes: 3 }).ok, false);
});

test('strict reading is linear: a deep, long or key-heavy payload is decided quickly and without recursion', () => {
  assert.equal(code('['.repeat(1_000_000)), 'too_deep');
  assert.equal(code('['.repeat(1_000_000), 2_000_000), 'invalid_json');
  const keys = `{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
  assert.equal(code(keys), 'ok');
});

test('foldKey folds what a case-insensitive reader folds', () => {
  assert.equal(foldKey('METHOD'), 'method');
  assert.equal(foldKey('j\u017fonrpc'), 'jsonrpc');
  assert.equal(foldKey('\u212Aey'), 'key');
});

test('the jsonrpc mention is found in every spelling a lenient reader accepts, across chunks', () => {
  for (const s of ['{"jsonrpc":', '{"JSONRPC":', '{"\\u006asonrpc":', '{"\\u006A\\u0053ONRPC"', '{"j\u017fonrpc":', 'xx jjsonrpc'])
    assert.ok(mentionsJsonRpc(Buffer.from(s)), s);
  assert.ok(mentionsJsonRpc(Buffer.from('{"jsonrpc":"2.0"}', 'utf16le')));
  assert.ok(mentionsJsonRpc('{"\\u006asonrpc":"2.0"}'));
  assert.ok(!mentionsJsonRpc(Buffer.from('{"json rpc":1,"method":"x"}')));
  const m = new JsonRpcMention();
  assert.ok(!m.push(Buffer.from('{"json')));
  assert.ok(!m.push(Buffer.from('r')));
  assert.ok(m.push(Buffer.from('pc":1')));
  assert.ok(couldBeJson(Buffer.from('\ufeff\r\n [')));
  assert.ok(couldBeJson(Buffer.from('{}', 'utf16le')));
  assert.ok(!couldBeJson('a=1&{'));
});

test('recognition: unreadable JSON-RPC is refused, unreadable ordinary JSON is not', () => {
  const call = (extra: string): string => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"files.delete"${extra}}}`;
  assert.equal(recogniseJsonRpc(call(''), { known: false }).kind, 'rpc');
  assert.equal(recogniseJsonRpc(call(',"name":"tickets.create"'), { known: false }).kind, 'unreadable');
  assert.equal(recogniseJsonRpc(call(`,"x":${'['.repeat(100)}${']'.repeat(100)}`), { known: false }).kind, 'unreadable');
  assert.equal(recogniseJsonRpc(`${call('')} trailing`, { known: false }).kind, 'unreadable');
  assert.equal(recogniseJsonRpc('{"JSONRPC":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}', { known: false }).kind, 'unreadable');
  assert.equal(recogniseJsonRpc('{"jsonrpc":"2.0","id":1,"Method":"tools/call","params":{"name":"x"}}', { known: true }).kind, 'unreadable');
  assert.equal(recogniseJsonRpc('{"jsonrpc":"2.0","id":[1],"method":"tools/call","params":{"name":"x"}}', { known: false }).kind, 'unreadable');
  // Ordinary JSON: big ids, duplicate keys, other protocols' JSON-RPC, a "method" field.
  assert.equal(recogniseJsonRpc('{"user":12345678901234567891,"method":"POST"}', { known: false }).kind, 'ordinary');
  assert.equal(recogniseJsonRpc('{"a":1,"a":2}', { known: false }).kind, 'ordinary');
  assert.equal(recogniseJsonRpc('{"jsonrpc":"2.0","id":null,"method":"eth_call"}', { known: false }).kind, 'ordinary');
  assert.equal(recogniseJsonRpc('{"method":"tools/call"}', { known: false }).kind, 'ordinary');
  assert.equal(recogniseJsonRpc('not json, jsonrpc', { known: true }).kind, 'ordinary');
  // On a JSON-RPC conversation, any unreadable JSON is refused.
  assert.equal(recogniseJsonRpc('{"a":1,"a":2}', { known: true }).kind, 'unreadable');
});
