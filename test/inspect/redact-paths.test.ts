import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRedactSpec, redactValue, REDACTED_MARKER, RedactSpecError } from '../../src/inspect/redact-paths.js';

const R = REDACTED_MARKER;
const redact = (value: unknown, ...specs: string[]): { value: unknown; matched: string[]; replaced: number } => {
  const r = redactValue(value, specs.map(parseRedactSpec));
  return { value, ...r };
};

void test('a field name is that key at any depth, in any case; its whole value is replaced', () => {
  const r = redact({ ssn: '1', user: { SSN: { a: 1 } }, list: [{ Ssn: [1, 2] }, { other: 'ssn' }] }, 'ssn');
  assert.deepEqual(r.value, { ssn: R, user: { SSN: R }, list: [{ Ssn: R }, { other: 'ssn' }] });
  assert.deepEqual([r.matched, r.replaced], [['ssn'], 3]);
});

void test('paths: keys, indexes, wildcards, bracketed names, any depth', () => {
  const doc = () => ({
    a: { b: 1, c: 2 },
    items: [
      { t: 'x', id: 1 },
      { t: 'y', id: 2 },
    ],
    'odd key': 3,
    deep: { x: { pw: 1 }, pw: 2 },
  });
  assert.deepEqual(redact(doc(), '$.a.b').value, { ...doc(), a: { b: R, c: 2 } });
  assert.deepEqual(redact(doc(), '$.items[*].t').value, {
    ...doc(),
    items: [
      { t: R, id: 1 },
      { t: R, id: 2 },
    ],
  });
  assert.deepEqual(redact(doc(), '$.items[1]').value, { ...doc(), items: [{ t: 'x', id: 1 }, R] });
  assert.deepEqual(redact(doc(), "$['odd key']").value, { ...doc(), 'odd key': R });
  assert.deepEqual(redact(doc(), '$.deep..pw').value, { ...doc(), deep: { x: { pw: R }, pw: R } });
  assert.deepEqual(redact(doc(), '$.a.*').value, { ...doc(), a: { b: R, c: R } });
  assert.deepEqual(redact(doc(), '$.A.B').value, { ...doc(), a: { b: R, c: 2 } }, 'keys compare case-folded');
});

void test('nothing matched: the value is untouched and nothing is reported; the root is never replaced', () => {
  const r = redact({ a: 1 }, '$.b', '$.a.b', '$[0]', 'zz');
  assert.deepEqual([r.value, r.matched, r.replaced], [{ a: 1 }, [], 0]);
  assert.deepEqual(redact('text', 'a').value, 'text');
  assert.deepEqual(redact([{ a: 1 }], '$[0].a').value, [{ a: R }]);
});

void test('matched lists the specs in the order given, each once', () => {
  assert.deepEqual(redact({ a: 1, b: 2 }, 'b', 'a', '$.a').matched, ['b', 'a']);
});

void test('specs that cannot be read say what was expected', () => {
  for (const [spec, why] of [
    ['', /1 to 256 characters/],
    ['a.b', /neither a field name .* nor a JSON path/],
    ['has,comma', /neither a field name/],
    ['$', /the whole document/],
    ['$.', /expected a name after '\.'/],
    ['$.a[', /expected '\.name', '\[N\]'/],
    ["$['a,b']", /expected '\.name'/],
    ['$..', /expected a name or '\*' after '\.\.'/],
    ['x'.repeat(300), /1 to 256 characters/],
  ] as const) {
    assert.throws(
      () => parseRedactSpec(spec),
      (err: unknown) => err instanceof RedactSpecError && why.test(err.message),
      spec,
    );
  }
});
