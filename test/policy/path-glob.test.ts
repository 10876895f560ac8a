import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePathGlob, pathPatternProblem } from '../../src/policy/path-glob.js';
import { normaliseRequestPath } from '../../src/policy/request-path.js';

/** [pattern, path, matches] — the path is a request target (query allowed), normalised first. */
const TABLE: [string, string, boolean][] = [
  ['/repos/acme/**', '/repos/acme/x/y', true],
  ['/repos/acme/**', '/repos/acme/x', true],
  ['/repos/acme/**', '/repos/acme/', true],
  ['/repos/acme/**', '/repos/acme', true],
  ['/repos/acme/**', '/repos/acmex', false],
  ['/repos/acme/**', '/repos/acmex/y', false],
  ['/repos/acme/**', '/repos', false],
  ['/repos/*/issues', '/repos/acme/issues', true],
  ['/repos/*/issues', '/repos/acme/x/issues', false],
  ['/repos/*', '/repos/acme', true],
  ['/repos/*', '/repos/acme/x', false],
  ['/v1/*.json', '/v1/a.json', true],
  ['/v1/*.json', '/v1/a/b.json', false],
  ['/a/**/b', '/a/b', true],
  ['/a/**/b', '/a/x/b', true],
  ['/a/**/b', '/a/x/y/b', true],
  ['/a/**/b', '/a/xb', false],
  ['/a/**/b', '/a/x/b/c', false],
  ['/a**', '/abc/def', true],
  ['/a**z', '/a/b/z', true],
  ['/a**z', '/a/b/y', false],
  ['/**', '/', true],
  ['/**', '/anything/at/all', true],
  ['/api/tickets', '/api/tickets', true],
  ['/api/tickets', '/api/tickets/', false],
  ['/api/tickets', '/api/tickets?x=1', true],
  ['/api/tickets', '/API/tickets', false],
  ['/*/*/*', '/a/b/c', true],
  ['/*/*/*', '/a/b', false],
  ['/*x*y*', '/axxyy', true],
  ['/*x*y*', '/ayyxx', false],
  // Escapes of unreserved characters are decoded on both sides.
  ['/repos/acme/**', '/repos/%61cme/x', true],
  ['/caf%7E', '/caf~', true],
  ['/caf~', '/caf%7e', true],
  // Other escapes stay encoded, compared with upper-case hex.
  ['/a%20b', '/a%20b', true],
  ['/a%c3%a9', '/a%C3%A9', true],
];

void test('path glob table', () => {
  for (const [pattern, target, want] of TABLE) {
    assert.equal(pathPatternProblem(pattern), null, pattern);
    const p = normaliseRequestPath(target);
    assert.equal(p.ambiguous, false, target);
    assert.equal(compilePathGlob(pattern)(p.path), want, `${pattern} vs ${target}`);
  }
});

void test('ambiguous paths: dot segments, encoded separators, broken escapes, no path', () => {
  for (const target of [
    '/a/../b',
    '/a/./b',
    '/a/%2e%2e/b',
    '/a/%2E/b',
    '/..',
    '/a/..',
    '/a%2Fb',
    '/a%2fb',
    '/a%5Cb',
    '/a%zz',
    '/a%',
    '',
    '*',
    '/repos//issues',
    '/api/tickets#frag',
    '/a b',
    '/a...',
  ]) {
    assert.equal(normaliseRequestPath(target).ambiguous, true, target);
  }
  for (const target of ['/a/..b/c', '/a/.well-known/x', '/a/b.c', '/%41', '/a%20b']) {
    assert.equal(normaliseRequestPath(target).ambiguous, false, target);
  }
  assert.deepEqual(normaliseRequestPath('/a/%2e%2e/b?q=%2F'), { path: '/a/../b', decoded: '/a/../b', ambiguous: true, ambiguity: 'dot_segment' });
  assert.deepEqual(normaliseRequestPath('/x?q=/../'), { path: '/x', decoded: '/x', ambiguous: false, ambiguity: null }, 'the query is not part of the path');
});

void test('bad path patterns are refused with a reason', () => {
  const bad: [string, RegExp][] = [
    ['repos/**', /starts with '\/'/],
    ['', /starts with '\/'/],
    ['/a?b=1', /without the query/],
    ['/a/***', /'\*\*\*' is not a pattern/],
    ['/a%zz', /two hex digits/],
    ['/a/../b', /can never match/],
    ['/a/%2e/b', /can never match/],
    ['/a%2Fb', /can never match/],
  ];
  for (const [pattern, why] of bad) assert.match(pathPatternProblem(pattern) ?? '', why, pattern);
});

void test('patterns with many wildcards finish on long paths (memoised, no backtracking blow-up)', () => {
  const m = compilePathGlob('/**a**a**a**a**a**a**a**a**b');
  const path = `/${'a'.repeat(4000)}`;
  assert.equal(m(path), false);
  assert.equal(m(`${path}b`), true);
  const s = compilePathGlob('/*a*a*a*a*a*a*a*a*b');
  assert.equal(s(path), false);
});
