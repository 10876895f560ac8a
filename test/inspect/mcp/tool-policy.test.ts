import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileArgPredicate, McpRuleError, normalisePath, parseArgPath } from '../../../src/inspect/mcp/arg-predicates.js';
import { compileServerPattern, compileToolGlob } from '../../../src/inspect/mcp/tool-glob.js';
import { compileToolRules, decideTool, explainTool, isToolListed } from '../../../src/inspect/mcp/tool-policy.js';
import type { McpToolRuleSpec } from '../../../src/inspect/mcp/tool-policy.js';

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

const RULES: McpToolRuleSpec[] = [
  { id: 'tickets-create', server: ['tickets'], tools: ['tickets.create', 'tickets.get'], action: 'allow' },
  { id: 'tickets-no-delete', server: ['tickets'], tools: ['tickets.delete'], action: 'deny' },
  { id: 'fs-workspace', server: ['*.fs.internal'], tools: ['fs.read', 'fs.write'], action: 'allow', args: [{ path: 'path', under: '/workspace/' }] },
  { id: 'fs-list', server: ['*.fs.internal'], tools: ['fs.list'], action: 'allow', args: [{ path: 'path', startsWith: '/workspace/' }] },
  { id: 'search-modes', tools: ['search.*'], action: 'allow', args: [{ path: 'options.mode', in: ['fast', 'exact'] }, { path: 'limit', equals: 10 }] },
  { id: 'jira-keys', tools: ['jira.get'], action: 'allow', args: [{ path: 'key', matches: '^[A-Z]{2,10}-[0-9]{1,6}$' }] },
  { id: 'files-first', tools: ['batch.upload'], action: 'allow', args: [{ path: 'files[0].name', startsWith: 'report-' }] },
  { id: 'no-admin', server: ['**'], tools: ['**.admin.**'], action: 'deny' },
];

test('decideTool table: one server, create allowed and delete denied; argument predicates; server globs; defaults', () => {
  const rules = compileToolRules(RULES);
  const tickets = { host: 'mcp.tickets.example', name: 'tickets' };
  const fs = { host: 'eu.fs.internal' };
  const other = { host: 'mcp.other.example', name: 'other' };
  const cases: Array<[typeof tickets | typeof fs, string, unknown, string, string]> = [
    [tickets, 'tickets.create', { title: 'x' }, 'allow', 'tickets-create'],
    [tickets, 'tickets.delete', { id: 4 }, 'deny', 'tickets-no-delete'],
    [tickets, 'tickets.update', {}, 'deny', 'default-deny'],
    [other, 'tickets.create', {}, 'deny', 'default-deny'],
    [fs, 'fs.read', { path: '/workspace/src/a.ts' }, 'allow', 'fs-workspace'],
    [fs, 'fs.read', { path: '/workspace' }, 'allow', 'fs-workspace'],
    [fs, 'fs.read', { path: '/etc/passwd' }, 'deny', 'default-deny'],
    [fs, 'fs.read', { path: '/workspace/../etc/passwd' }, 'deny', 'default-deny'],
    [fs, 'fs.read', { path: '/workspace2/x' }, 'deny', 'default-deny'],
    [fs, 'fs.read', { path: 'workspace/x' }, 'deny', 'default-deny'],
    [fs, 'fs.read', { path: ['/workspace/x'] }, 'deny', 'default-deny'],
    [fs, 'fs.read', {}, 'deny', 'default-deny'],
    [fs, 'fs.list', { path: '/workspace/' }, 'allow', 'fs-list'],
    [fs, 'fs.list', { path: '/etc/passwd' }, 'deny', 'default-deny'],
    // startsWith is a plain string test: documented, and why `under` exists.
    [fs, 'fs.list', { path: '/workspace/../etc' }, 'allow', 'fs-list'],
    [{ host: 'x.fs.internal.evil.example' }, 'fs.read', { path: '/workspace/a' }, 'deny', 'default-deny'],
    [other, 'search.web', { options: { mode: 'fast' }, limit: 10 }, 'allow', 'search-modes'],
    [other, 'search.web', { options: { mode: 'fast' }, limit: '10' }, 'deny', 'default-deny'],
    [other, 'search.web', { options: { mode: 'slow' }, limit: 10 }, 'deny', 'default-deny'],
    [other, 'search.web.deep', { options: { mode: 'fast' }, limit: 10 }, 'deny', 'default-deny'],
    [other, 'jira.get', { key: 'OPS-123' }, 'allow', 'jira-keys'],
    [other, 'jira.get', { key: 'OPS-123; drop' }, 'deny', 'default-deny'],
    [other, 'batch.upload', { files: [{ name: 'report-q3.pdf' }, { name: 'x' }] }, 'allow', 'files-first'],
    [other, 'batch.upload', { files: [] }, 'deny', 'default-deny'],
    [other, 'tickets.admin.purge', {}, 'deny', 'no-admin'],
    // Prototype properties are not arguments.
    [other, 'search.web', { options: {}, limit: 10, constructor: 1 }, 'deny', 'default-deny'],
  ];
  for (const [server, tool, args, outcome, rule] of cases) {
    const d = decideTool(server, tool, args, rules, 'deny');
    assert.deepEqual([d.outcome, d.rule], [outcome, rule], `${tool} ${JSON.stringify(args)}`);
    assert.equal(d.reason, rule.startsWith('default') ? 'no_rule_matched' : outcome === 'allow' ? 'rule_allow' : 'rule_deny');
    // explainTool is held to the same answer.
    assert.deepEqual(explainTool(server, tool, args, rules, 'deny').decision, d);
  }
  assert.deepEqual(decideTool(other, 'x', {}, rules, 'allow'), { outcome: 'allow', rule: 'default-allow', reason: 'no_rule_matched' });
});

test('explain says why each rule did not match, without argument values', () => {
  const rules = compileToolRules(RULES);
  const { decision, trace } = explainTool({ host: 'eu.fs.internal' }, 'fs.read', { path: '/etc/passwd-SECRET' }, rules, 'deny');
  assert.equal(decision.rule, 'default-deny');
  assert.equal(trace.length, RULES.length);
  assert.deepEqual(trace[0], {
    rule: 'tickets-create', index: 0, result: 'skipped', action: 'allow',
    why: ['server eu.fs.internal not in [tickets]', 'tool fs.read not in [tickets.create, tickets.get]'],
  });
  assert.deepEqual(trace[2]?.why, ['argument path is not under /workspace']);
  assert.ok(!JSON.stringify(trace).includes('SECRET'));
  const t2 = explainTool({ host: 'h', name: 'tickets' }, 'tickets.delete', {}, rules, 'deny');
  assert.equal(t2.trace.length, 2);
  assert.equal(t2.trace[1]?.result, 'matched');
  const why = (spec: Parameters<typeof compileArgPredicate>[0], args: unknown) => compileArgPredicate(spec, 'p').explain(args);
  assert.equal(why({ path: 'a.b', equals: 1 }, { a: {} }), 'argument a.b is missing');
  assert.equal(why({ path: 'a', startsWith: '/' }, { a: 5 }), 'argument a is a number, not a string');
  assert.equal(why({ path: 'a', matches: '^x' }, { a: 'y'.repeat(70_000) }), 'argument a is longer than 65536 characters; not matched against a regex');
  assert.equal(why({ path: 'a', in: ['x', 1] }, { a: 'x' }), null);
});

test('isToolListed hides only tools denied whatever their arguments', () => {
  const rules = compileToolRules(RULES);
  const tickets = { host: 'h', name: 'tickets' };
  assert.equal(isToolListed(tickets, 'tickets.create', rules, 'deny'), true);
  assert.equal(isToolListed(tickets, 'tickets.delete', rules, 'deny'), false);
  assert.equal(isToolListed(tickets, 'tickets.update', rules, 'deny'), false);
  assert.equal(isToolListed(tickets, 'tickets.update', rules, 'allow'), true);
  // Allowed for some arguments: the model must see it.
  assert.equal(isToolListed({ host: 'a.fs.internal' }, 'fs.read', rules, 'deny'), true);
  const condDeny = compileToolRules([{ id: 'no-etc', tools: ['fs.read'], action: 'deny', args: [{ path: 'path', under: '/etc' }] }, { id: 'fs', tools: ['fs.*'], action: 'allow' }]);
  assert.equal(isToolListed({ host: 'h' }, 'fs.read', condDeny, 'deny'), true);
  assert.equal(isToolListed({ host: 'h' }, 'tickets.x.admin.y', rules, 'allow'), false);
});

test('rules that cannot be used are refused with the field and a reason', () => {
  const bad: Array<[McpToolRuleSpec[], RegExp]> = [
    [[{ id: '', action: 'allow' }], /mcp\.rules\[0\]\.id: expected/],
    [[{ id: 'a', action: 'maybe' as 'allow' }], /mcp\.rules\[0\]\.action: expected allow or deny/],
    [[{ id: 'a', action: 'allow', tools: [] }], /mcp\.rules\[0\]\.tools: expected a non-empty list/],
    [[{ id: 'a', action: 'allow', server: [''] }], /mcp\.rules\[0\]\.server/],
    [[{ id: 'a', action: 'allow' }, { id: 'a', action: 'deny' }], /mcp\.rules\[1\]\.id: rule id "a" is used twice/],
    [[{ id: 'a', action: 'allow', args: [{ path: 'x' }] }], /args\[0\]: states no test/],
    [[{ id: 'a', action: 'allow', args: [{ path: '', equals: 1 }] }], /args\[0\]\.path: expected a dotted/],
    [[{ id: 'a', action: 'allow', args: [{ path: 'a..b', equals: 1 }] }], /empty segment/],
    [[{ id: 'a', action: 'allow', args: [{ path: 'a.', equals: 1 }] }], /ends with '\.'/],
    [[{ id: 'a', action: 'allow', args: [{ path: '[0]', equals: 1 }] }], /an index must follow a name/],
    [[{ id: 'a', action: 'allow', args: [{ path: 'x', matches: '(a+)+$' }] }], /args\[0\]\.matches: nested quantifier/],
    [[{ id: 'a', action: 'allow', args: [{ path: 'x', matches: '(a|ab)*' }] }], /quantified alternation/],
    [[{ id: 'a', action: 'allow', args: [{ path: 'x', matches: '(a)\\1' }] }], /backreference/],
    [[{ id: 'a', action: 'allow', args: [{ path: 'x', matches: '[' }] }], /args\[0\]\.matches: invalid regex/],
    [[{ id: 'a', action: 'allow', args: [{ path: 'x', under: 'relative/dir' }] }], /args\[0\]\.under: expected an absolute path/],
    [[{ id: 'a', action: 'allow', args: [{ path: 'x', in: [] }] }], /args\[0\]\.in: expected a non-empty list/],
    [[{ id: 'a', action: 'allow', args: [{ path: 'x', equals: {} as unknown as string }] }], /args\[0\]\.equals/],
  ];
  for (const [specs, msg] of bad) {
    assert.throws(() => compileToolRules(specs), (e: unknown) => e instanceof McpRuleError && msg.test(e.message), `${JSON.stringify(specs)}`);
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
