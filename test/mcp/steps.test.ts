/**
 * The guard's step lists: run in the order listed, a refusal stops the steps after it,
 * and the audit record (first in each list) acts after the others.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANSWER_STEPS, CALL_STEPS, runSteps } from '../../src/mcp/steps/index.js';
import { recordAnswer } from '../../src/mcp/steps/record-answer.js';
import { recordCall } from '../../src/mcp/steps/record-call.js';
import type { McpStep } from '../../src/mcp/steps/exchange.js';

test('runSteps: each step runs around the ones after it, in order; one that does not call next stops the rest', async () => {
  const seen: string[] = [];
  const step = (name: string, stop = false): McpStep<object> => async (_x, next) => {
    seen.push(`${name}>`);
    if (!stop) await next();
    seen.push(`<${name}`);
  };
  await runSteps([step('a'), step('b'), step('c')], {});
  assert.deepEqual(seen, ['a>', 'b>', 'c>', '<c', '<b', '<a']);
  seen.length = 0;
  await runSteps([step('a'), step('b', true), step('c')], {});
  assert.deepEqual(seen, ['a>', 'b>', '<b', '<a']);
});

test('the audit record comes first in both lists (it records what the steps after it decided)', () => {
  assert.equal(CALL_STEPS[0], recordCall);
  assert.equal(ANSWER_STEPS[0], recordAnswer);
  assert.equal(new Set(CALL_STEPS).size, CALL_STEPS.length);
});
