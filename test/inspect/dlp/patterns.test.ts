/**
 * Every built-in pattern: its positive sample is found with the right type and default
 * action, its near-miss is not, and the finding never carries the value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DlpScanner, builtinPatterns } from '../../../src/inspect/dlp/index.js';
import { SAMPLES } from './pattern-samples.js';
import { assertNoLeak } from './fakes.js';

const dlp = new DlpScanner();
const NEAR_CONTEXT: Record<string, string> = { generic_token: 'next_page_token=' };

test('at least 60 credential patterns, ids unique and snake_case', () => {
  const ids = builtinPatterns.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z][a-z0-9_]*$/);
  const credentials = builtinPatterns.filter((p) => !['credit_card', 'iban', 'iban_spaced', 'bitcoin_address', 'bitcoin_bech32_address'].includes(p.id));
  assert.ok(credentials.length >= 60, `${credentials.length} credential patterns`);
});

test('every built-in pattern has a sample', () => {
  for (const p of builtinPatterns) assert.ok(SAMPLES[p.id] !== undefined, `no sample for ${p.id}`);
});

for (const p of builtinPatterns) {
  test(`pattern ${p.id}: positive found, near-miss not, no leak`, () => {
    const sample = SAMPLES[p.id];
    assert.ok(sample !== undefined);
    const found = dlp.scanText(sample.text, 'body');
    const hit = found.find((f) => f.type === p.id);
    assert.ok(hit !== undefined, `${p.id} not found in sample; got ${JSON.stringify(found)}`);
    assert.equal(hit.action, p.action);
    assert.equal(hit.location, 'body');
    assert.equal(hit.encoding, undefined);
    assertNoLeak(found, sample.value, p.id);
    const near = (NEAR_CONTEXT[p.id] ?? '') + sample.near;
    const nearFound = dlp.scanText(near, 'body');
    assert.ok(!nearFound.some((f) => f.type === p.id), `${p.id} matched its near-miss ${JSON.stringify(near)}`);
  });
}

test('GitHub token with a bad checksum is reported as unverified, and still blocked', () => {
  const near = SAMPLES['github_token']?.near ?? '';
  const found = dlp.scanText(near, 'body');
  assert.deepEqual(
    found.map((f) => [f.type, f.action]),
    [['github_token_unverified', 'block']],
  );
});

test('actions override per pattern id, including the unverified variant', () => {
  const lenient = new DlpScanner({ actions: { github_token_unverified: 'warn', stripe_publishable_key: 'redact' } });
  assert.equal(lenient.scanText(SAMPLES['github_token']?.near ?? '', 'x')[0]?.action, 'warn');
  const strict = lenient;
  assert.equal(strict.scanText(SAMPLES['stripe_publishable_key']?.text ?? '', 'x')[0]?.action, 'redact');
});
