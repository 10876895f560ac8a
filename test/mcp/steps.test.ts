/**
 * The guard's step lists (src/mcp/steps/index.ts): in the order they are stated, and
 * the audit record first in each, since it records what the steps after it decided.
 * A refusal stops the steps after it: the guard's tests (guard.test.ts) show each.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANSWER_STEPS, CALL_STEPS } from '../../src/mcp/steps/index.js';
import { recordAnswer } from '../../src/mcp/steps/record-answer.js';
import { recordCall } from '../../src/mcp/steps/record-call.js';

test('a tool call: record, read, stop, decide, pinned, inspect-args, shell, chain, depth, approve, rate-limit, budget', () => {
  assert.deepEqual(
    CALL_STEPS.map((s) => s.name),
    ['record', 'read', 'stop', 'decide', 'pinned', 'inspect-args', 'shell', 'chain', 'depth', 'approve', 'rate-limit', 'budget'],
  );
  assert.equal(CALL_STEPS[0]!.run, recordCall);
});

test('a result: record, stop, tool-list, scan, redact', () => {
  assert.deepEqual(
    ANSWER_STEPS.map((s) => s.name),
    ['record', 'stop', 'tool-list', 'scan', 'redact'],
  );
  assert.equal(ANSWER_STEPS[0]!.run, recordAnswer);
});
