import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyJsonRpc, jsonRpcDeny, jsonRpcError, MCP_DENIED_CODE, parseJsonRpc } from '../../../src/inspect/mcp/jsonrpc.js';
import { isMcpMethod, isMcpPayload, readToolCall, readToolList } from '../../../src/inspect/mcp/messages.js';

test('single messages are classified: request, notification, result, error', () => {
  const cases: Array<[string, string]> = [
    ['{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}}', 'request'],
    ['{"jsonrpc":"2.0","id":"x-1","method":"ping"}', 'request'],
    ['{"jsonrpc":"2.0","method":"notifications/initialized"}', 'notification'],
    ['{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}', 'result'],
    ['{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}', 'error'],
  ];
  for (const [text, kind] of cases) {
    const r = parseJsonRpc(text);
    assert.ok(r.ok, text);
    assert.equal(r.batch, false);
    assert.equal(r.messages[0]?.kind, kind, text);
  }
  const r = parseJsonRpc(Buffer.from('{"jsonrpc":"2.0","id":7,"method":"tools/list"}'));
  assert.ok(r.ok);
  // A BOM is read differently by different servers (skipped, or a parse error): refused.
  const bom = parseJsonRpc(Buffer.from('\ufeff{"jsonrpc":"2.0","id":7,"method":"tools/list"}'));
  assert.ok(!bom.ok && bom.code === 'bom');
  const m = r.messages[0];
  assert.ok(m?.kind === 'request');
  assert.equal(m.id, 7);
  assert.equal(m.method, 'tools/list');
  assert.equal(m.raw.jsonrpc, '2.0');
});

test('a batch is classified element by element; one bad element fails the batch and is named', () => {
  const ok = parseJsonRpc(
    '[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/cancelled","params":{}},{"jsonrpc":"2.0","id":2,"result":{}}]',
  );
  assert.ok(ok.ok);
  assert.equal(ok.batch, true);
  assert.deepEqual(
    ok.messages.map((m) => m.kind),
    ['request', 'notification', 'result'],
  );
  const bad = parseJsonRpc('[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"1.0","id":2,"method":"ping"}]');
  assert.deepEqual(bad, { ok: false, code: 'not_jsonrpc', message: 'batch message 1: expected "jsonrpc": "2.0"', index: 1 });
  const empty = parseJsonRpc('[]');
  assert.ok(!empty.ok && empty.code === 'empty_batch');
  const nested = parseJsonRpc('[[{"jsonrpc":"2.0","id":1,"method":"ping"}]]');
  assert.ok(!nested.ok && nested.code === 'not_jsonrpc' && /got an array/.test(nested.message));
  const long = parseJsonRpc(JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' }))), { maxBatch: 10 });
  assert.ok(!long.ok && long.code === 'batch_too_long');
});

test('garbage gets a typed problem, never an exception, and never echoes the input', () => {
  const cases: Array<[string | Buffer, string]> = [
    ['', 'invalid_json'],
    ['{"jsonrpc":"2.0",', 'invalid_json'],
    ['secret-AKIAIOSFODNN7EXAMPLE', 'invalid_json'],
    ['null', 'not_jsonrpc'],
    ['42', 'not_jsonrpc'],
    ['"tools/call"', 'not_jsonrpc'],
    ['{"id":1,"method":"ping"}', 'not_jsonrpc'],
    ['{"jsonrpc":"2.0","id":1}', 'not_jsonrpc'],
    ['{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"x"}}', 'not_jsonrpc'],
    ['{"jsonrpc":"2.0","id":null,"method":"ping"}', 'not_jsonrpc'],
    ['{"jsonrpc":"2.0","id":{},"method":"ping"}', 'not_jsonrpc'],
    ['{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}', 'not_jsonrpc'],
    ['{"jsonrpc":"2.0","id":1,"method":""}', 'not_jsonrpc'],
    ['{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}}', 'not_jsonrpc'],
    ['{"jsonrpc":"2.0","result":{}}', 'not_jsonrpc'],
    [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_utf8'],
    ['['.repeat(100) + ']'.repeat(100), 'too_deep'],
  ];
  for (const [input, code] of cases) {
    const r = parseJsonRpc(input);
    assert.ok(!r.ok, String(input));
    assert.equal(r.code, code, `${String(input)}: ${r.message}`);
    assert.ok(!r.message.includes('AKIA'), r.message);
  }
  // Brackets inside strings do not count as nesting.
  assert.ok(parseJsonRpc(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x', params: { s: '['.repeat(500) } })).ok);
});

test('huge payloads are refused before parsing (bytes, not characters)', () => {
  const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { x: 'a'.repeat(5 * 1024 * 1024) } });
  const r = parseJsonRpc(big);
  assert.ok(!r.ok && r.code === 'too_large');
  const rb = parseJsonRpc(Buffer.from(big));
  assert.ok(!rb.ok && rb.code === 'too_large');
  // 600 three-byte characters are 1800 bytes: over a 1000-byte cap though only 600 UTF-16 units.
  const wide = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { s: '€'.repeat(600) } });
  const rw = parseJsonRpc(wide, { maxBytes: 1000 });
  assert.ok(!rw.ok && rw.code === 'too_large');
  const deep = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: JSON.parse('{"a":'.repeat(70) + '1' + '}'.repeat(70)) as unknown });
  const rd = parseJsonRpc(deep);
  assert.ok(!rd.ok && rd.code === 'too_deep');
  assert.ok(parseJsonRpc(deep, { maxDepth: 100 }).ok);
});

test('classifyJsonRpc works on parsed values', () => {
  assert.equal((classifyJsonRpc({ jsonrpc: '2.0', id: 'a', method: 'tools/list' }) as { kind: string }).kind, 'request');
  assert.equal(classifyJsonRpc({ jsonrpc: '2.0', id: 1 }), 'a response needs exactly one of "result" and "error"');
});

test('jsonRpcError and jsonRpcDeny: the deny mirrors the HTTP deny body under code -32001', () => {
  assert.deepEqual(jsonRpcError(4, -32601, 'Method not found'), { jsonrpc: '2.0', id: 4, error: { code: -32601, message: 'Method not found' } });
  assert.deepEqual(jsonRpcError(null, -32700, 'Parse error', { x: 1 }), {
    jsonrpc: '2.0',
    id: null,
    error: { code: -32700, message: 'Parse error', data: { x: 1 } },
  });
  const body = { error: 'policy_denied' as const, reason: 'tool tickets.delete is denied by rule no-delete', rule: 'no-delete', decision_id: 'dec_01' };
  const deny = jsonRpcDeny('req-9', body);
  assert.equal(MCP_DENIED_CODE, -32001);
  assert.deepEqual(deny, { jsonrpc: '2.0', id: 'req-9', error: { code: -32001, message: body.reason, data: body } });
  // It is itself a valid JSON-RPC error response.
  const back = parseJsonRpc(JSON.stringify(deny));
  assert.ok(back.ok && back.messages[0]?.kind === 'error');
});

test('isMcpPayload: JSON-RPC with an MCP method, as JSON or inside an event stream', () => {
  const call = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}';
  assert.equal(isMcpPayload('application/json', call), true);
  assert.equal(isMcpPayload('application/json; charset=utf-8', Buffer.from(call)), true);
  assert.equal(isMcpPayload(undefined, call), true);
  assert.equal(isMcpPayload('application/json', '[{"jsonrpc":"2.0","method":"notifications/initialized"}]'), true);
  assert.equal(isMcpPayload('application/json', '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}'), true);
  assert.equal(isMcpPayload('application/json', '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'), false);
  assert.equal(isMcpPayload('application/json', '{"jsonrpc":"2.0","id":1,"result":{}}'), false);
  assert.equal(isMcpPayload('text/plain', call), false);
  assert.equal(isMcpPayload('application/json', '{"query":"tools/call"}'), false);
  assert.equal(isMcpPayload('application/json', 'not json'), false);
  assert.equal(isMcpPayload('text/event-stream', `event: message\ndata: ${call}\n\n`), true);
  assert.equal(isMcpPayload('text/event-stream', 'data: hello\n\n'), false);
  assert.equal(isMcpMethod('notifications/'), false);
  assert.equal(isMcpMethod('resources/read'), true);
});

test('readToolCall and readToolList read the shapes the gate acts on', () => {
  const parse = (s: string) => {
    const r = parseJsonRpc(s);
    assert.ok(r.ok);
    return r.messages[0]!;
  };
  assert.deepEqual(readToolCall(parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t.a","arguments":{"x":1}}}')), {
    name: 't.a',
    args: { x: 1 },
  });
  assert.deepEqual(readToolCall(parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t.a"}}')), { name: 't.a', args: {} });
  assert.equal(readToolCall(parse('{"jsonrpc":"2.0","id":1,"method":"tools/list"}')), null);
  assert.equal(typeof readToolCall(parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}')), 'string');
  assert.equal(typeof readToolCall(parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":[1]}}')), 'string');
  // What a lenient server reads differently: a case-variant member, a name a C server cuts at NUL.
  assert.equal(typeof readToolCall(parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","Arguments":{"x":1}}}')), 'string');
  assert.equal(typeof readToolCall(parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"tickets.delete\\u0000x"}}')), 'string');
  assert.deepEqual(readToolList({ tools: [{ name: 'a' }] }), [{ name: 'a' }]);
  assert.equal(readToolList({ tools: 'x' }), null);
});
