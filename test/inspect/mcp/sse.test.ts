import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeSseEvent, SseLimitError, SseParser } from '../../../src/inspect/mcp/sse.js';
import type { SseEvent } from '../../../src/inspect/mcp/sse.js';

const STREAM =
  '\ufeff: keep-alive\n\n' +
  'event: message\r\nid: 1\r\ndata: {"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"caf\u00e9.\u{1F600}"}]}}\r\n\r\n' +
  'data: line one\rdata:line two\r\rretry: 3000\nid\n\n' +
  'data\ndata: \n\n' +
  'event: endpoint\ndata: /messages?session=abc\nunknown: x\n\n' +
  'data: unterminated';

const EXPECTED: SseEvent[] = [
  { comments: [' keep-alive'] },
  { event: 'message', id: '1', data: '{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"caf\u00e9.\u{1F600}"}]}}' },
  { data: 'line one\nline two' },
  { retry: 3000, id: '' },
  { data: '\n' },
  { event: 'endpoint', data: '/messages?session=abc' },
];

function parseIn(chunks: Array<Buffer | string>): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  for (const c of chunks) out.push(...p.push(c));
  return [...out, ...p.end()];
}

test('the SSE grammar: CRLF/LF/CR line ends, comments, retry, id reset, multi-line data, BOM, unknown fields; an unterminated event is dropped', () => {
  assert.deepEqual(parseIn([STREAM]), EXPECTED);
});

test('every two-way split of the byte stream (mid-CRLF, mid-UTF-8) gives the same events', () => {
  const bytes = Buffer.from(STREAM, 'utf8');
  for (let i = 0; i <= bytes.length; i++) {
    assert.deepEqual(parseIn([bytes.subarray(0, i), bytes.subarray(i)]), EXPECTED, `split at ${i}`);
  }
});

test('byte-by-byte and random chunkings give the same events', () => {
  const bytes = Buffer.from(STREAM, 'utf8');
  assert.deepEqual(parseIn([...bytes].map((b) => Buffer.from([b]))), EXPECTED);
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n) + 1;
  for (let round = 0; round < 50; round++) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length;) {
      const n = rnd(9);
      chunks.push(bytes.subarray(i, i + n));
      i += n;
    }
    assert.deepEqual(parseIn(chunks), EXPECTED, `round ${round}`);
  }
});

test('a CR at the very end of the stream still ends its line', () => {
  assert.deepEqual(parseIn(['data: x\r', '\r']), [{ data: 'x' }]);
  assert.deepEqual(parseIn(['data: x\r\r']), [{ data: 'x' }]);
  assert.deepEqual(parseIn(['data: x\r\n', '\r\n']), [{ data: 'x' }]);
});

test('an event past the bound throws SseLimitError; memory does not grow without a blank line', () => {
  const p = new SseParser({ maxEventBytes: 1024 });
  assert.deepEqual(p.push(`data: ${'a'.repeat(500)}\n\n`), [{ data: 'a'.repeat(500) }]);
  p.push('data: ' + 'b'.repeat(600) + '\n');
  assert.throws(
    () => p.push('data: ' + 'c'.repeat(600)),
    (e: unknown) => e instanceof SseLimitError && e.code === 'sse_event_too_large',
  );
  const q = new SseParser({ maxEventBytes: 1024 });
  assert.throws(() => {
    for (let i = 0; i < 100; i++) q.push('x'.repeat(100));
  }, SseLimitError);
});

test('serializeSseEvent round-trips through the parser and refuses field injection', () => {
  const events: SseEvent[] = [...EXPECTED, { event: 'message', data: '{"a":1}\r\n{"b":2}' }, { data: '' }];
  const wire = events.map(serializeSseEvent).join('');
  const back = parseIn([wire]);
  assert.deepEqual(back.slice(0, EXPECTED.length), EXPECTED);
  assert.deepEqual(back[EXPECTED.length], { event: 'message', data: '{"a":1}\n{"b":2}' });
  assert.deepEqual(back[EXPECTED.length + 1], { data: '' });
  assert.equal(serializeSseEvent({ id: '7', data: 'a\nb' }), 'id: 7\ndata: a\ndata: b\n\n');
  assert.throws(() => serializeSseEvent({ event: 'message\ndata: injected', data: 'x' }), TypeError);
  assert.throws(() => serializeSseEvent({ id: '1\r', data: 'x' }), TypeError);
});

test('rewriting event by event: a JSON-RPC message in an event is replaced, the rest passes', () => {
  const p = new SseParser();
  const input = 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a"},{"name":"b"}]}}\n\n: ping\n\n';
  const out = [...p.push(input), ...p.end()]
    .map((e) => {
      if (e.data === undefined) return e;
      const msg = JSON.parse(e.data) as { result: { tools: Array<{ name: string }> } };
      msg.result.tools = msg.result.tools.filter((t) => t.name !== 'b');
      return { ...e, data: JSON.stringify(msg) };
    })
    .map(serializeSseEvent)
    .join('');
  assert.equal(out, 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a"}]}}\n\n: ping\n\n');
});
