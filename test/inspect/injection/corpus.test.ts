import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { InjectionScanner } from '../../../src/inspect/injection/scanner.js';
import { CORPUS, runCorpus } from './corpus.js';

test('agent-egress-bench response-side cases get their expected verdicts', { skip: !existsSync(CORPUS) && `corpus not found at ${CORPUS}` }, (t) => {
  const results = runCorpus(new InjectionScanner());
  assert.ok(results.length >= 30, `expected the corpus cases, found ${results.length}`);
  for (const r of results) {
    const rules = r.findings.map((f) => `${f.rule}:${f.action}`).join(' ');
    t.diagnostic(`${r.expected === r.actual ? 'ok  ' : 'MISS'} ${r.category}/${r.id} expected=${r.expected} actual=${r.actual} ${rules}`);
  }
  const misses = results.filter((r) => r.expected !== r.actual).map((r) => `${r.id} (expected ${r.expected})`);
  assert.deepEqual(misses, []);
});
