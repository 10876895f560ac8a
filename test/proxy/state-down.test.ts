/**
 * What the govern step does when the shared state (Redis) cannot be asked: refuse 503
 * `state_unavailable` with the reason (redis_down: refuse), or let the request through
 * with a `state_unavailable` finding on its record and a log line, at most one per 10 s
 * per kind (redis_down: allow). Anything else is rethrown as it was.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import type { Finding } from '../../src/audit/fields.js';
import { Rejection } from '../../src/proxy/errors-map.js';
import { stateDown } from '../../src/proxy/state-down.js';
import { REFUSALS } from '../../src/refusals.js';
import { StateUnavailableError } from '../../src/state/state-unavailable.js';

function exchange(): { x: { gate: { logger: pino.Logger }; findings: Finding[] }; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { x: { gate: { logger: pino(sink) }, findings: [] }, lines };
}

void test('redis_down: refuse: 503 state_unavailable naming what could not be counted', () => {
  const { x } = exchange();
  const err = new StateUnavailableError('budgets', false, new Error("Stream isn't writeable and enableOfflineQueue options is false"));
  assert.throws(
    () => stateDown(x, err, 'upstream'),
    (e: unknown) => {
      assert.ok(e instanceof Rejection);
      assert.equal(e.error, 'state_unavailable');
      assert.equal(REFUSALS[e.error].status, 503);
      assert.equal(e.rule, 'upstream');
      assert.equal(
        e.reason,
        "the shared state (Redis) is unreachable: budgets cannot be counted (Stream isn't writeable and enableOfflineQueue options is false); refused (state.redis_down: refuse)",
      );
      return true;
    },
  );
  assert.deepEqual(x.findings, []);
});

void test('redis_down: allow: allowed, marked on the record, logged once per 10 s per kind', () => {
  const { x, lines } = exchange();
  for (let i = 0; i < 5; i++) stateDown(x, new StateUnavailableError('rate limits', true, new Error('Connection is closed.')), 'r');
  stateDown(x, new StateUnavailableError('budgets', true, new Error('Connection is closed.')), 'r');
  assert.equal(x.findings.length, 6);
  assert.deepEqual(x.findings[0], {
    type: 'state_unavailable',
    location: 'request',
    action: 'warn',
    detail: 'rate limits not counted: Redis unreachable, allowed (state.redis_down: allow)',
  });
  assert.deepEqual(
    lines.map((l) => [l.state, l.msg]),
    [
      [
        'rate limits',
        'the shared state (Redis) is unreachable: rate limits cannot be counted (Connection is closed.); allowed uncounted (state.redis_down: allow)',
      ],
      ['budgets', 'the shared state (Redis) is unreachable: budgets cannot be counted (Connection is closed.); allowed uncounted (state.redis_down: allow)'],
    ],
  );
});

void test('anything else is rethrown unchanged', () => {
  const { x } = exchange();
  const other = new Rejection('budget_exhausted', 'spent', 'r');
  assert.throws(
    () => stateDown(x, other, 'r'),
    (e) => e === other,
  );
});
