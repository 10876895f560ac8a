import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../src/config/duration.js';

void test('parseDuration reads each unit, combinations, and plain milliseconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('0.1s'), 100);
  assert.equal(parseDuration(' 2s '), 2000);
  assert.equal(parseDuration(250), 250);
  assert.equal(parseDuration(0), 0);
  assert.equal(parseDuration(MAX_DURATION_MS), MAX_DURATION_MS);
});

void test('parseDuration says what is wrong and what to write instead', () => {
  assert.throws(() => parseDuration('30'), { name: 'TypeError', message: "'30' has no unit; write 30ms or 30s (a bare number, unquoted, means milliseconds)" });
  assert.throws(() => parseDuration('5d'), { message: "unknown unit 'd' in '5d'; use ms, s, m or h (for example 30s)" });
  assert.throws(() => parseDuration('soon'), { message: "expected a duration like 500ms, 30s, 5m or 1h, or a number of milliseconds; got 'soon'" });
  assert.throws(() => parseDuration(''), { message: 'expected a duration like 500ms, 30s, 5m or 1h, or a number of milliseconds; got an empty string' });
  assert.throws(() => parseDuration('-5s'), { name: 'RangeError', message: "a duration cannot be negative; got '-5s'" });
  assert.throws(() => parseDuration(-1), { name: 'RangeError', message: 'a duration cannot be negative; got -1' });
  assert.throws(() => parseDuration(1.5), { message: 'a duration must be a whole number of milliseconds; got 1.5' });
  assert.throws(() => parseDuration('0.5ms'), { message: "a duration must be a whole number of milliseconds; got '0.5ms'" });
  assert.throws(() => parseDuration(Number.NaN), { message: /expected a duration/ });
  assert.throws(() => parseDuration('1000h'), { message: /^'1000h' is too long; the longest duration is 2147483647ms/ });
  // A JavaScript caller can pass anything; the check must not rely on the type alone.
  assert.throws(() => parseDuration(null as unknown as string), { name: 'TypeError', message: /got an empty value$/ });
});

void test('formatDuration writes a config duration in the largest unit it is a whole number of', () => {
  const cases: Array<[number, string]> = [
    [0, '0ms'],
    [1500, '1500ms'],
    [30_000, '30s'],
    [90_000, '90s'],
    [5_400_000, '90m'],
    [86_400_000, '24h'],
    [90_000_000, '25h'],
  ];
  for (const [ms, text] of cases) {
    assert.equal(formatDuration(ms), text, String(ms));
    assert.equal(parseDuration(text), ms, `${text} reads back`);
  }
});
