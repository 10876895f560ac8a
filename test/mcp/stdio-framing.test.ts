import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { envelopeOf, EnvelopeScanner } from '../../src/mcp/stdio/envelope.js';
import { LineSplitter, type Line } from '../../src/mcp/stdio/line-splitter.js';

const text = (lines: Line[]): string[] => lines.map((l) => (l.kind === 'line' ? l.bytes.toString() : `<oversized ${l.bytes}>`));

describe('LineSplitter: newline-delimited JSON-RPC, bounded', () => {
  test('splits lines across chunks; CRLF and blank lines are tolerated; a last line without newline comes at end()', () => {
    const s = new LineSplitter(1024);
    const out = [...s.push(Buffer.from('{"a":1}\n{"b"')), ...s.push(Buffer.from(':2}\r\n\n  \n{"c":3}\n{"d"')), ...s.push(Buffer.from(':4}'))];
    assert.deepEqual(text(out), ['{"a":1}', '{"b":2}', '{"c":3}']);
    assert.deepEqual(text(s.end()), ['{"d":4}']);
    assert.deepEqual(s.end(), []);
  });

  test('a line of exactly the limit passes (with or without CR); one byte more is oversized', () => {
    const s = new LineSplitter(8);
    assert.deepEqual(text(s.push(Buffer.from('12345678\n12345678\r\n123456789\n'))), ['12345678', '12345678', '<oversized 9>']);
  });

  test('an oversized line is dropped whole, in pieces, and the next line is intact; its envelope is still read', () => {
    const s = new LineSplitter(64);
    const big = `{"jsonrpc":"2.0","method":"tools/call","params":{"id":"inner","blob":"${'x'.repeat(10_000)}"},"id":42}`;
    const out: Line[] = [];
    for (let i = 0; i < big.length; i += 100) out.push(...s.push(Buffer.from(big.slice(i, i + 100))));
    out.push(...s.push(Buffer.from('\n{"ok":true}\n')));
    assert.equal(out.length, 2);
    const first = out[0]!;
    assert.equal(first.kind, 'oversized');
    if (first.kind === 'oversized') {
      assert.equal(first.bytes, big.length);
      assert.deepEqual(first.envelope, { id: 42, method: 'tools/call', batch: false });
    }
    assert.deepEqual(text(out.slice(1)), ['{"ok":true}']);
  });
});

describe('EnvelopeScanner: the top-level id and method of an unparseable payload', () => {
  test('top-level keys only: the same names inside params are skipped, whatever the order', () => {
    assert.deepEqual(envelopeOf(Buffer.from('{"params":{"id":1,"method":"evil"},"method":"tools/call","id":"abc"}')), {
      id: 'abc',
      method: 'tools/call',
      batch: false,
    });
    assert.deepEqual(envelopeOf(Buffer.from('{ "id" : 7 , "result" : {"method":"x"} }')), { id: 7, method: null, batch: false });
  });

  test('strings with escaped quotes, braces and colons do not confuse it', () => {
    const p = '{"params":{"t":"a \\" } , \\"id\\": 9 {"},"id":3,"method":"m\\"x"}';
    assert.deepEqual(envelopeOf(Buffer.from(p)), { id: 3, method: 'm"x', batch: false });
  });

  test('broken JSON still yields what can be read; an id that is not a string or number is null', () => {
    assert.deepEqual(envelopeOf(Buffer.from('{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{oops')), { id: 12, method: 'tools/call', batch: false });
    assert.deepEqual(envelopeOf(Buffer.from('{"id":null,"method":"ping"}')), { id: null, method: 'ping', batch: false });
    assert.deepEqual(envelopeOf(Buffer.from('{"id":{"x":1},"method":"ping"}')), { id: null, method: 'ping', batch: false });
    assert.deepEqual(envelopeOf(Buffer.from('not json at all')), { id: null, method: null, batch: false });
  });

  test('a batch is reported as one, with no id to answer', () => {
    assert.deepEqual(envelopeOf(Buffer.from('[{"id":1,"method":"a"},{"id":2,"method":"b"}]')), { id: null, method: null, batch: true });
  });

  test('fed byte by byte it finds the same; an overlong id value is given up, not buffered', () => {
    const s = new EnvelopeScanner();
    for (const b of Buffer.from('{"method":"ping","id":"é-1"}')) s.push(Uint8Array.of(b));
    assert.deepEqual(s.result(), { id: 'é-1', method: 'ping', batch: false });
    assert.deepEqual(envelopeOf(Buffer.from(`{"id":"${'9'.repeat(100_000)}","method":"ping"}`)), { id: null, method: 'ping', batch: false });
  });
});
