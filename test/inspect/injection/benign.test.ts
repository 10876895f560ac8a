import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InjectionScanner } from '../../../src/inspect/injection/scanner.js';
import { API_JSON, API_REFERENCE_HTML, BLOG_POST_HTML, CODE_SAMPLE, README_MD } from './benign-docs.js';
import { blocking, rules, scanBody } from './helpers.js';

const scanner = new InjectionScanner();

const PAGES: Array<[string, string | undefined, string]> = [
  ['API reference (HTML)', 'text/html; charset=utf-8', API_REFERENCE_HTML],
  ['README (Markdown)', 'text/markdown', README_MD],
  ['API JSON responses', 'application/json', API_JSON],
  ['code sample', 'text/x-python', CODE_SAMPLE],
  ['code sample, no content type', undefined, CODE_SAMPLE],
];

for (const [name, ct, body] of PAGES) {
  test(`benign: ${name} passes clean`, () => {
    for (const step of [13, 4096]) {
      const f = scanBody(scanner, ct, body, step);
      assert.deepEqual(blocking(f), [], rules(f).join(' '));
    }
  });
}

test('benign: a blog post that discusses injection phrases in quotes is warned, not blocked', () => {
  const f = scanBody(scanner, 'text/html', BLOG_POST_HTML);
  assert.deepEqual(blocking(f), [], rules(f).join(' '));
  // The quoted phrases are still visible to the operator as warnings.
  assert.ok(f.some((x) => x.rule === 'override-ignore-previous' && x.action === 'warn'));
  assert.ok(f.every((x) => x.detail?.includes('quoted in a discussion')));
});

test('benign pages as tool descriptions: the API reference prose is clean under the strict set too', () => {
  const prose =
    'Format source code. Options: indent_size controls indentation. Caveats: macro-heavy C code may not format correctly. Returns the formatted code.';
  assert.deepEqual(scanner.scanToolDescription(prose, 'tool.description'), []);
});
