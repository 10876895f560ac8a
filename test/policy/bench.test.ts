import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BENCH = fileURLToPath(new URL('../../bench/decide.js', import.meta.url));

void test('the decide benchmark runs (small policy) and prints every row; no timing is asserted', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [BENCH, '--rules', '300', '--batches', '3', '--batch-ms', '0.05'], { timeout: 60_000 });
  assert.match(stdout, /^decide: 300 rules/);
  for (const row of ['early hit', 'late hit', 'wildcard hit', 'no rule']) assert.match(stdout, new RegExp(`^${row} `, 'm'));
  assert.match(stdout, /^no rule +default-deny /m);
});
