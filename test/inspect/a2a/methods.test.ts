import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  A2A_DENIED_CODE,
  A2A_METHODS,
  a2aJsonRpcDeny,
  isA2aMessageMethod,
  isA2aMethod,
  isA2aStreamingMethod,
  isAgentCardMethod,
  isAgentCardPath,
} from '../../../src/inspect/a2a/methods.js';
import { MCP_DENIED_CODE } from '../../../src/inspect/mcp/jsonrpc.js';

test('A2A method names of v1.0, v0.3 and before 0.2', () => {
  for (const m of [
    'message/send',
    'message/stream',
    'tasks/get',
    'tasks/cancel',
    'tasks/resubscribe',
    'SendMessage',
    'SendStreamingMessage',
    'GetTask',
    'CancelTask',
    'SubscribeToTask',
    'tasks/send',
    'tasks/sendSubscribe',
    'GetExtendedAgentCard',
  ]) {
    assert.ok(isA2aMethod(m), m);
  }
  for (const m of ['tools/call', 'initialize', 'message/Send', 'sendmessage', '']) assert.equal(isA2aMethod(m), false, m);
  assert.equal(new Set(A2A_METHODS).size, A2A_METHODS.length);
  assert.deepEqual(['message/send', 'tasks/get', 'SendStreamingMessage'].map(isA2aMessageMethod), [true, false, true]);
  assert.deepEqual(['message/stream', 'message/send', 'SubscribeToTask', 'tasks/resubscribe'].map(isA2aStreamingMethod), [true, false, true, true]);
  assert.deepEqual(['agent/getAuthenticatedExtendedCard', 'GetExtendedAgentCard', 'tasks/get'].map(isAgentCardMethod), [true, true, false]);
});

test('agent card paths: both names, query ignored, spellings a server may still answer', () => {
  for (const p of [
    '/.well-known/agent.json',
    '/.well-known/agent-card.json',
    '/.well-known/agent-card.json?x=1',
    '/.WELL-KNOWN/Agent.JSON',
    '/.well-known/agent%2Dcard.json',
    '//.well-known//agent.json',
    '/.well-known/agent.json/',
    '/%2Ewell-known/agent.json',
    '/.well-\u212Anown/agent.json',
  ]) {
    assert.ok(isAgentCardPath(p), p);
  }
  for (const p of ['/agent.json', '/.well-known/agent', '/.well-known/agent.json.bak', '/x/.well-known/agent.json', '/.well-known/%E0%A4%A', ''])
    assert.equal(isAgentCardPath(p), false, p);
});

test('a denied A2A request gets the deny body under a code A2A clients do not read as TaskNotFound', () => {
  assert.notEqual(A2A_DENIED_CODE, MCP_DENIED_CODE);
  assert.ok(A2A_DENIED_CODE <= -32000 && A2A_DENIED_CODE >= -32099);
  const deny = { error: 'dlp_blocked' as const, reason: 'aws_access_key_id in a2a.message:parts[0].text', rule: 'dlp', decision_id: 'dec_1' };
  assert.deepEqual(a2aJsonRpcDeny('r1', { ...deny, extra: 'dropped' } as typeof deny), {
    jsonrpc: '2.0',
    id: 'r1',
    error: { code: A2A_DENIED_CODE, message: deny.reason, data: deny },
  });
});
