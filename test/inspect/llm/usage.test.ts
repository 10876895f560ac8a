import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readUsage } from '../../../src/inspect/llm/usage.js';
import { lastUsageObject, MAX_EVENT, MAX_WHOLE, UsageReader } from '../../../src/inspect/llm/usage-reader.js';

/** Feed `body` to a reader in pieces of `size` bytes (splitting lines, JSON and UTF-8 characters). */
function readAll(contentType: string, body: string, size: number): ReturnType<UsageReader['end']> {
  const r = new UsageReader(contentType);
  const bytes = Buffer.from(body);
  for (let i = 0; i < bytes.length; i += size) r.push(bytes.subarray(i, i + size));
  return r.end();
}

void test('Gemini-style: usageMetadata prompt, candidates and total; thinking tokens billed through the total', () => {
  assert.deepEqual(
    readUsage({ usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 30, totalTokenCount: 42 }, modelVersion: 'gemini-1.5-flash-002' }),
    { model: 'gemini-1.5-flash-002', input: 12, output: 30 },
  );
  // 2.5 models: thoughtsTokenCount is in the total, not in candidatesTokenCount.
  assert.deepEqual(readUsage({ usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 20, totalTokenCount: 35 } }), {
    input: 10,
    output: 25,
  });
  // A streamed chunk before any candidate tokens.
  assert.deepEqual(readUsage({ usageMetadata: { promptTokenCount: 7 } }), { input: 7 });
  assert.equal(readUsage({ candidates: [] }), null);
});

void test('Gemini-style stream: the last chunk counts (running totals), split anywhere', () => {
  const chunk = (out: number): string =>
    `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text: 'héllo ✓' }] } }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: out, totalTokenCount: 9 + out }, modelVersion: 'gemini-2.0' })}\r\n\r\n`;
  const body = chunk(1) + chunk(4) + chunk(11);
  for (const size of [1, 3, 7, 64, 100_000])
    assert.deepEqual(readAll('text/event-stream; charset=utf-8', body, size), { model: 'gemini-2.0', input: 9, output: 11 });
});

void test('OpenAI-style and Anthropic-style objects, streamed wrappers included', () => {
  assert.deepEqual(readUsage({ model: 'gpt-4o', usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }), {
    model: 'gpt-4o',
    input: 3,
    output: 4,
  });
  assert.deepEqual(readUsage({ type: 'response.completed', response: { model: 'gpt-4.1', usage: { input_tokens: 5, output_tokens: 6 } } }), {
    model: 'gpt-4.1',
    input: 5,
    output: 6,
  });
  assert.deepEqual(readUsage({ type: 'message_start', message: { model: 'claude-x', usage: { input_tokens: 8, output_tokens: 1 } } }), {
    model: 'claude-x',
    input: 8,
    output: 1,
  });
  assert.deepEqual(readUsage({ type: 'message_delta', usage: { output_tokens: 15 } }), { output: 15 });
  assert.equal(readUsage({ choices: [], usage: null }), null);
  // Nonsense counts are not counts; a model name is printable and bounded.
  assert.deepEqual(readUsage({ model: `a\nb${'x'.repeat(500)}`, usage: { prompt_tokens: -1, completion_tokens: '9' } }), { model: `a?b${'x'.repeat(117)}` });
});

void test('an Anthropic stream: input from message_start, output from the last message_delta', () => {
  const ev = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const body =
    ev('message_start', { type: 'message_start', message: { model: 'claude-3-5', usage: { input_tokens: 25, output_tokens: 1 } } }) +
    ev('content_block_delta', { type: 'content_block_delta', delta: { text: 'x'.repeat(1000) } }) +
    ev('message_delta', { type: 'message_delta', usage: { output_tokens: 10 } }) +
    ev('message_delta', { type: 'message_delta', usage: { output_tokens: 42 } }) +
    ev('message_stop', { type: 'message_stop' });
  assert.deepEqual(readAll('text/event-stream', body, 13), { model: 'claude-3-5', input: 25, output: 42 });
});

void test('a large JSON body: usage from its tail, model from its head, in bounded memory', () => {
  const text = 'y'.repeat(MAX_WHOLE * 4);
  const body = JSON.stringify({ id: 'x', model: 'gpt-big', choices: [{ message: { content: text } }], usage: { prompt_tokens: 100, completion_tokens: 200 } });
  assert.deepEqual(readAll('application/json', body, 4096), { model: 'gpt-big', input: 100, output: 200 });
  // A "usage" inside the text is not taken for the real one: the last one wins.
  const tricky = JSON.stringify({
    model: 'm',
    choices: [{ message: { content: `"usage": {"prompt_tokens": 999} ${text}` } }],
    usage: { prompt_tokens: 1, completion_tokens: 2 },
  });
  assert.deepEqual(readAll('application/json', tricky, 1000), { model: 'm', input: 1, output: 2 });
  assert.equal(lastUsageObject('{"usage": {"a": "}"'), null);
});

void test('an SSE event larger than MAX_EVENT is skipped, the stream read on', () => {
  const big = `data: ${JSON.stringify({ usage: { prompt_tokens: 1, completion_tokens: 1 }, pad: 'z'.repeat(MAX_EVENT) })}\n\n`;
  const last = `data: ${JSON.stringify({ model: 'm', usage: { prompt_tokens: 2, completion_tokens: 3 } })}\n\ndata: [DONE]\n\n`;
  assert.deepEqual(readAll('text/event-stream', big + last, 5000), { model: 'm', input: 2, output: 3 });
  assert.deepEqual(readAll('text/event-stream', big, 5000), null);
});

void test('not JSON, or JSON without usage: nothing', () => {
  assert.equal(readAll('application/json', '<html>rate limited</html>', 10), null);
  assert.equal(readAll('application/json', '{"error": {"message": "bad"}}', 10), null);
});
