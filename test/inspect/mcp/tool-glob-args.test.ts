import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileArgPredicate, McpRuleError, normalisePath, parseArgPath } from '../../../src/inspect/mcp/arg-predicates.js';
import { compileServerPattern, compileToolGlob } from '../../../src/inspect/mcp/tool-glob.js';

test('tool globs: * stays inside a dot segment, ** crosses, the rest is literal and case-sensitive', () => {
  const cases: Array<[string, string, boolean]> = [
    ['tickets.create', 'tickets.create', true],
    ['tickets.create', 'tickets.createX', false],
    ['tickets.*', 'tickets.create', true],
    ['tickets.*', 'tickets.', true],
    ['tickets.*', 'tickets.admin.purge', false],
    ['tickets.**', 'tickets.admin.purge', true],
    ['tickets.**', 'tickets', false],
    ['*', 'read_file', true],
    ['*', 'fs.read', false],
    ['**', 'a.b.c', true],
    ['*.delete', 'tickets.delete', true],
    ['*.delete', 'a.tickets.delete', false],
    ['**.delete', 'a.tickets.delete', true],
    ['**delete', 'tickets.delete', true],
    ['get_*', 'get_weather', true],
    ['get_*', 'Get_weather', false],
    ['*_*_*', 'a_b_c', true],
    ['*_*_*', 'a_b', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axx.byyc', false],
    ['a**b*c', 'axx.byyc', true],
    ['?', '?', true],
  ];
  for (const [p, s, want] of cases) assert.equal(compileToolGlob(p)(s), want, `${p} vs ${s}`);
  // No exponential blow-up: a pathological pattern against a long name answers at once.
  assert.equal(compileToolGlob('*a*a*a*a*a*a*a*a*b')('a'.repeat(5000)), false);
});

test('server patterns: host like policy hosts (case-insensitive, *.suffix any depth) or configured name (glob)', () => {
  const cases: Array<[string, { host: string; name?: string }, boolean]> = [
    ['mcp.example.com', { host: 'MCP.Example.com.' }, true],
    ['*.corp.example', { host: 'mcp.eu.corp.example' }, true],
    ['*.corp.example', { host: 'corp.example' }, false],
    ['*', { host: 'anything' }, true],
    ['tickets', { host: 'mcp.example.com', name: 'tickets' }, true],
    ['tickets', { host: 'mcp.example.com', name: 'Tickets' }, false],
    ['tickets-*', { host: 'x', name: 'tickets-eu' }, true],
    ['tickets', { host: 'mcp.example.com' }, false],
    ['::1', { host: '[::1]' }, true],
  ];
  for (const [p, s, want] of cases) assert.equal(compileServerPattern(p)(s), want, `${p} vs ${JSON.stringify(s)}`);
});

test('argument conditions say why they do not hold, naming the argument, never its value', () => {
  const why = (spec: Parameters<typeof compileArgPredicate>[0], args: unknown) => compileArgPredicate(spec, 'p').explain(args);
  assert.equal(why({ path: 'path', under: '/workspace/' }, { path: '/etc/passwd-SECRET' }), 'argument path is not under /workspace');
  assert.equal(why({ path: 'a.b', equals: 1 }, { a: {} }), 'argument a.b is missing');
  assert.equal(why({ path: 'a', startsWith: '/' }, { a: 5 }), 'argument a is a number, not a string');
  assert.equal(why({ path: 'a', matches: '^x' }, { a: 'y'.repeat(70_000) }), 'argument a is longer than 65536 characters; not matched against a regex');
  assert.equal(why({ path: 'a', in: ['x', 1] }, { a: 'x' }), null);
  // Prototype properties are not arguments.
  assert.equal(why({ path: 'constructor', equals: 1 }, {}), 'argument constructor is missing');
});

test('argument conditions that cannot be used are refused with the field and a reason', () => {
  const bad: Array<[Parameters<typeof compileArgPredicate>[0], RegExp]> = [
    [{ path: 'x' }, /^args\[0\]: states no test/],
    [{ path: '', equals: 1 }, /args\[0\]\.path: expected a dotted/],
    [{ path: 'a..b', equals: 1 }, /empty segment/],
    [{ path: 'a.', equals: 1 }, /ends with '\.'/],
    [{ path: '[0]', equals: 1 }, /an index must follow a name/],
    [{ path: 'x', matches: '(a+)+$' }, /args\[0\]\.matches: nested quantifier/],
    [{ path: 'x', matches: '(a|ab)*' }, /quantified alternation/],
    [{ path: 'x', matches: '(a)\\1' }, /backreference/],
    [{ path: 'x', matches: '[' }, /args\[0\]\.matches: invalid regex/],
    [{ path: 'x', under: 'relative/dir' }, /args\[0\]\.under: expected an absolute path/],
    [{ path: 'x', in: [] }, /args\[0\]\.in: expected a non-empty list/],
    [{ path: 'x', equals: {} as unknown as string }, /args\[0\]\.equals/],
  ];
  for (const [spec, msg] of bad) {
    assert.throws(() => compileArgPredicate(spec, 'args[0]'), (e: unknown) => e instanceof McpRuleError && msg.test(e.message), JSON.stringify(spec));
  }
});

test('argument paths and filesystem normalisation', () => {
  assert.deepEqual(parseArgPath('files[1].content', 'p'), ['files', 1, 'content']);
  assert.deepEqual(parseArgPath('a.b.c', 'p'), ['a', 'b', 'c']);
  assert.deepEqual(parseArgPath('m[0][2]', 'p'), ['m', 0, 2]);
  const norm: Array<[string, string | null]> = [
    ['/workspace/', '/workspace'],
    ['/workspace/./a//b/', '/workspace/a/b'],
    ['/workspace/../etc/passwd', '/etc/passwd'],
    ['/../../etc', '/etc'],
    ['\\workspace\\..\\etc', '/etc'],
    ['/workspace/a\\..\\..\\etc', '/etc'],
    ['relative', null],
    ['/ok\0/x', null],
  ];
  for (const [p, want] of norm) assert.equal(normalisePath(p), want, p);
});

test('server patterns other than the policy host shapes match hosts label-wise', () => {
  assert.equal(compileServerPattern('mcp-*.example.com')({ host: 'mcp-eu.example.com' }), true);
  assert.equal(compileServerPattern('mcp-*.example.com')({ host: 'mcp-eu.x.example.com' }), false);
  assert.equal(compileServerPattern('**')({ host: 'a.b' }), true);
});
