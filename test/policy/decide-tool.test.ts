import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyCompileError, compilePolicy, type CompiledPolicy } from '../../src/policy/compile.js';
import { decide } from '../../src/policy/decide.js';
import { decideTool, isToolListed } from '../../src/policy/decide-tool.js';
import { explain } from '../../src/policy/explain.js';
import { explainTool } from '../../src/policy/explain-tool.js';
import { mcpServerFor } from '../../src/policy/mcp-servers.js';
import type { McpSectionSpec, McpServerRef } from '../../src/policy/tool-types.js';
import type { RuleSpec, Who } from '../../src/policy/types.js';
import { req, who } from './helpers.js';

const V = 'v1';

const SECTION: McpSectionSpec = {
  servers: {
    tickets: { hosts: ['mcp.tickets.example'], paths: ['/mcp', '/mcp/**'] },
    fs: { hosts: ['*.fs.internal'] },
  },
};

/** HTTP rules and MCP rules interleaved, as a config would have them. */
const RULES: RuleSpec[] = [
  { id: 'tickets-http', hosts: ['mcp.tickets.example'], methods: ['POST'] },
  { id: 'tickets-create', intent: 'ticket.create', mcp: { servers: ['tickets'], tools: ['tickets.create', 'tickets.get'] } },
  { id: 'tickets-no-delete', action: 'deny', mcp: { servers: ['tickets'], tools: ['tickets.delete'] } },
  { id: 'support-update', agents: ['support-*'], mcp: { servers: ['mcp.tickets.example'], tools: ['tickets.update'] } },
  { id: 'fs-workspace', agents: ['coder'], mcp: { servers: ['fs'], tools: ['fs.read', 'fs.write'], args: [{ path: 'path', under: '/workspace/' }] } },
  { id: 'fs-list', mcp: { servers: ['*.fs.internal'], tools: ['fs.list'], args: [{ path: 'path', starts_with: '/workspace/' }] } },
  {
    id: 'search-modes',
    tenants: ['acme'],
    mcp: {
      tools: ['search.*'],
      args: [
        { path: 'options.mode', in: ['fast', 'exact'] },
        { path: 'limit', equals: 10 },
      ],
    },
  },
  { id: 'jira-keys', labels: { team: 'ops' }, mcp: { tools: ['jira.get'], args: [{ path: 'key', matches: '^[A-Z]{2,10}-[0-9]{1,6}$' }] } },
  { id: 'files-first', mcp: { tools: ['batch.upload'], args: [{ path: 'files[0].name', starts_with: 'report-' }] } },
  { id: 'no-admin', action: 'deny', mcp: { servers: ['**'], tools: ['**.admin.**'] } },
];

const TICKETS: McpServerRef = { host: 'mcp.tickets.example', name: 'tickets' };
const FS: McpServerRef = { host: 'eu.fs.internal', name: 'fs' };
const OTHER: McpServerRef = { host: 'mcp.other.example' };

function policy(rules: RuleSpec[] = RULES, section: McpSectionSpec = SECTION): CompiledPolicy {
  return compilePolicy(rules, V, undefined, section);
}

void test('decideTool table: create allowed and delete denied on one server; agents, tenants, labels; argument conditions; default deny', () => {
  const p = policy();
  const coder = who('coder');
  const support = who('support-bot');
  const ops = who('ops-bot', 'globex', { team: 'ops' });
  const cases: Array<[string, McpServerRef, string, unknown, Who | null, 'allow' | 'deny', string]> = [
    ['create on tickets', TICKETS, 'tickets.create', { title: 'x' }, coder, 'allow', 'tickets-create'],
    ['delete on the same server', TICKETS, 'tickets.delete', { id: 4 }, coder, 'deny', 'tickets-no-delete'],
    ['no rule for update: default', TICKETS, 'tickets.update', {}, coder, 'deny', 'default-deny'],
    ['update for support agents only', TICKETS, 'tickets.update', {}, support, 'allow', 'support-update'],
    ['update by host pattern too', { host: 'mcp.tickets.example' }, 'tickets.update', {}, support, 'allow', 'support-update'],
    ['without an identity a rule naming agents never matches', TICKETS, 'tickets.update', {}, null, 'deny', 'default-deny'],
    ['a rule naming no one applies without identity', TICKETS, 'tickets.create', {}, null, 'allow', 'tickets-create'],
    ['create on another server', OTHER, 'tickets.create', {}, coder, 'deny', 'default-deny'],
    ['server name is not a host', { host: 'tickets' }, 'tickets.create', {}, coder, 'deny', 'default-deny'],
    ['fs read in the workspace', FS, 'fs.read', { path: '/workspace/src/a.ts' }, coder, 'allow', 'fs-workspace'],
    ['fs read of the workspace itself', FS, 'fs.read', { path: '/workspace' }, coder, 'allow', 'fs-workspace'],
    ['fs read by another agent', FS, 'fs.read', { path: '/workspace/src/a.ts' }, support, 'deny', 'default-deny'],
    ['fs read outside', FS, 'fs.read', { path: '/etc/passwd' }, coder, 'deny', 'default-deny'],
    ['fs read escaping with ..', FS, 'fs.read', { path: '/workspace/../etc/passwd' }, coder, 'deny', 'default-deny'],
    ['fs read of a sibling folder', FS, 'fs.read', { path: '/workspace2/x' }, coder, 'deny', 'default-deny'],
    ['fs read of a relative path', FS, 'fs.read', { path: 'workspace/x' }, coder, 'deny', 'default-deny'],
    ['fs read with a list for a path', FS, 'fs.read', { path: ['/workspace/x'] }, coder, 'deny', 'default-deny'],
    ['fs read without a path', FS, 'fs.read', {}, coder, 'deny', 'default-deny'],
    ['fs server by host pattern', { host: 'x.fs.internal' }, 'fs.list', { path: '/workspace/' }, coder, 'allow', 'fs-list'],
    ['starts_with is a plain prefix test', FS, 'fs.list', { path: '/workspace/../etc' }, coder, 'allow', 'fs-list'],
    ['fs list outside', FS, 'fs.list', { path: '/etc' }, coder, 'deny', 'default-deny'],
    ['a look-alike host is not the fs server', { host: 'x.fs.internal.evil.example' }, 'fs.list', { path: '/workspace/a' }, coder, 'deny', 'default-deny'],
    ['search for tenant acme', OTHER, 'search.web', { options: { mode: 'fast' }, limit: 10 }, coder, 'allow', 'search-modes'],
    ['search for another tenant', OTHER, 'search.web', { options: { mode: 'fast' }, limit: 10 }, ops, 'deny', 'default-deny'],
    ['no type coercion', OTHER, 'search.web', { options: { mode: 'fast' }, limit: '10' }, coder, 'deny', 'default-deny'],
    ['a mode not listed', OTHER, 'search.web', { options: { mode: 'slow' }, limit: 10 }, coder, 'deny', 'default-deny'],
    ['* stays inside a dot segment', OTHER, 'search.web.deep', { options: { mode: 'fast' }, limit: 10 }, coder, 'deny', 'default-deny'],
    ['prototype properties are not arguments', OTHER, 'search.web', { options: {}, limit: 10, constructor: 1 }, coder, 'deny', 'default-deny'],
    ['jira for label team=ops', OTHER, 'jira.get', { key: 'OPS-123' }, ops, 'allow', 'jira-keys'],
    ['jira without the label', OTHER, 'jira.get', { key: 'OPS-123' }, coder, 'deny', 'default-deny'],
    ['jira key with a tail', OTHER, 'jira.get', { key: 'OPS-123; drop' }, ops, 'deny', 'default-deny'],
    ['first file named report-', OTHER, 'batch.upload', { files: [{ name: 'report-q3.pdf' }, { name: 'x' }] }, coder, 'allow', 'files-first'],
    ['no files', OTHER, 'batch.upload', { files: [] }, coder, 'deny', 'default-deny'],
    ['admin tools denied everywhere', OTHER, 'tickets.admin.purge', {}, coder, 'deny', 'no-admin'],
  ];
  for (const [name, server, tool, args, w, outcome, rule] of cases) {
    const d = decideTool({ server, tool, args }, w, p);
    assert.deepEqual([d.outcome, d.rule], [outcome, rule], name);
    assert.equal(d.reason, rule.startsWith('default') ? 'no_rule_matched' : outcome === 'allow' ? 'rule_allow' : 'rule_deny', name);
    assert.equal(d.policyVersion, V);
    assert.equal(d.intent, rule === 'tickets-create' ? 'ticket.create' : tool, `${name}: the rule's intent, else the tool's name`);
    // explainTool is a second implementation: held to the same answer.
    assert.deepEqual(explainTool({ server, tool, args }, w, p).decision, d, name);
  }
});

void test('mcp.default: deny unless the section says allow; the rule is default-deny or default-allow', () => {
  const facts = { server: OTHER, tool: 'weather.get', args: {} };
  assert.deepEqual(decideTool(facts, who('a'), compilePolicy([], V)), {
    outcome: 'deny',
    rule: 'default-deny',
    reason: 'no_rule_matched',
    policyVersion: V,
    intent: 'weather.get',
    wouldDeny: [],
  });
  const open = policy(RULES, { ...SECTION, default: 'allow' });
  assert.deepEqual(decideTool(facts, who('a'), open), {
    outcome: 'allow',
    rule: 'default-allow',
    reason: 'no_rule_matched',
    policyVersion: V,
    intent: 'weather.get',
    wouldDeny: [],
  });
  // Explicit denies still deny under an allow default.
  assert.equal(decideTool({ server: TICKETS, tool: 'tickets.delete', args: {} }, who('a'), open).rule, 'tickets-no-delete');
  assert.equal(explainTool(facts, who('a'), open).decision.rule, 'default-allow');
});

void test('report mode: a matching report-mode deny is noted in wouldDeny and evaluation goes on; a report-mode allow is not applied', () => {
  const p = policy([
    { id: 'trial-no-delete', mode: 'report', action: 'deny', mcp: { tools: ['tickets.delete'] } },
    { id: 'trial-allow-all', mode: 'report', mcp: {} },
    { id: 'tickets', mcp: { servers: ['tickets'], tools: ['tickets.*'] } },
  ]);
  const d = decideTool({ server: TICKETS, tool: 'tickets.delete', args: {} }, null, p);
  assert.deepEqual([d.outcome, d.rule, d.wouldDeny], ['allow', 'tickets', ['trial-no-delete']]);
  const other = decideTool({ server: OTHER, tool: 'x.y', args: {} }, null, p);
  assert.deepEqual([other.outcome, other.rule, other.wouldDeny], ['deny', 'default-deny', []]);
  const gone = decideTool({ server: OTHER, tool: 'tickets.delete', args: {} }, null, p);
  assert.deepEqual([gone.rule, gone.wouldDeny], ['default-deny', ['trial-no-delete']]);
  const { decision, trace } = explainTool({ server: TICKETS, tool: 'tickets.delete', args: {} }, null, p);
  assert.deepEqual(decision, d);
  assert.deepEqual(
    trace.map((t) => [t.rule, t.index, t.result, t.mode]),
    [
      ['trial-no-delete', 0, 'matched', 'report'],
      ['trial-allow-all', 1, 'matched', 'report'],
      ['tickets', 2, 'matched', 'enforce'],
    ],
  );
});

void test('tool rules and HTTP rules never mix: an MCP rule matches no HTTP request, an HTTP rule no tool call', () => {
  // An MCP rule with no servers, tools or args matches every tool call: it must not become an any-host HTTP rule.
  const p = policy([{ id: 'all-tools', mcp: {} }, { id: 'any-host-http' }]);
  assert.deepEqual(
    p.rules.map((r) => r.id),
    ['any-host-http'],
  );
  assert.deepEqual(
    p.mcp.rules.map((r) => [r.id, r.index]),
    [['all-tools', 0]],
  );
  assert.equal(decide(req('GET https://evil.example/'), who('a'), p).rule, 'any-host-http');
  assert.equal(decideTool({ server: OTHER, tool: 'x', args: {} }, who('a'), p).rule, 'all-tools');
  const onlyMcp = policy([{ id: 'all-tools', mcp: {} }]);
  assert.equal(decide(req('GET https://evil.example/'), who('a'), onlyMcp).rule, 'default-deny');
  assert.equal(explain(req('GET https://evil.example/'), who('a'), onlyMcp).trace.length, 0);
  const onlyHttp = policy([{ id: 'any-host-http' }]);
  assert.equal(decideTool({ server: OTHER, tool: 'x', args: {} }, who('a'), onlyHttp).rule, 'default-deny');
  // HTTP rules keep their position in the config, so `explain`'s #N is the rule's place in the file.
  const mixed = policy(RULES);
  assert.deepEqual(
    mixed.rules.map((r) => r.index),
    [0],
  );
  assert.equal(mixed.mcp.rules.at(-1)?.index, RULES.length - 1);
});

void test('explainTool says why each rule did not match, in order, never quoting an argument value', () => {
  const p = policy();
  const { decision, trace } = explainTool({ server: FS, tool: 'fs.read', args: { path: '/etc/passwd-SECRET' } }, who('intern'), p);
  assert.equal(decision.rule, 'default-deny');
  assert.equal(trace.length, p.mcp.rules.length);
  assert.deepEqual(trace[0], {
    rule: 'tickets-create',
    index: 1,
    result: 'skipped',
    mode: 'enforce',
    action: 'allow',
    why: ['server fs (eu.fs.internal) not in [tickets]', 'tool fs.read not in [tickets.create, tickets.get]'],
  });
  assert.deepEqual(trace[3]?.why, ['agent intern not in [coder]', 'argument path is not under /workspace']);
  assert.ok(!JSON.stringify(trace).includes('SECRET'));
  const anon = explainTool({ server: OTHER, tool: 'jira.get', args: { key: 'x' } }, null, p);
  assert.ok(anon.trace.find((t) => t.rule === 'jira-keys')?.why.includes('no identity; the rule is for labels [team=ops]'));
  const t2 = explainTool({ server: TICKETS, tool: 'tickets.delete', args: {} }, who('a'), p);
  assert.deepEqual(
    t2.trace.map((t) => t.result),
    ['skipped', 'matched'],
    'rules after the deciding one are not evaluated',
  );
});

void test('isToolListed hides a tool only when every call by this identity would be denied', () => {
  const p = policy();
  assert.equal(isToolListed(TICKETS, 'tickets.create', who('a'), p), true);
  assert.equal(isToolListed(TICKETS, 'tickets.delete', who('a'), p), false);
  assert.equal(isToolListed(TICKETS, 'tickets.update', who('a'), p), false);
  assert.equal(isToolListed(TICKETS, 'tickets.update', who('support-bot'), p), true, 'agent-specific');
  assert.equal(isToolListed(TICKETS, 'tickets.update', who('a'), policy(RULES, { ...SECTION, default: 'allow' })), true);
  // Allowed for some arguments: the model must see it.
  assert.equal(isToolListed(FS, 'fs.read', who('coder'), p), true);
  assert.equal(isToolListed(FS, 'fs.read', who('intern'), p), false);
  const condDeny = policy([
    { id: 'no-etc', action: 'deny', mcp: { tools: ['fs.read'], args: [{ path: 'path', under: '/etc' }] } },
    { id: 'fs', mcp: { tools: ['fs.*'] } },
  ]);
  assert.equal(isToolListed(FS, 'fs.read', null, condDeny), true);
  assert.equal(isToolListed(OTHER, 'tickets.x.admin.y', who('a'), policy(RULES, { default: 'allow' })), false);
  // A report-mode deny hides nothing.
  const trial = policy([{ id: 'trial', mode: 'report', action: 'deny', mcp: { tools: ['x'] } }], { default: 'allow' });
  assert.equal(isToolListed(OTHER, 'x', null, trial), true);
});

void test('mcpServerFor: the first configured server whose hosts and paths match names the request', () => {
  const p = policy(RULES, {
    servers: {
      tickets: { hosts: ['mcp.tickets.example'], paths: ['/mcp', '/mcp/**'] },
      tickets_legacy: { hosts: ['mcp.tickets.example'] },
      fs: { hosts: ['*.fs.internal', '10.0.0.7'] },
    },
  });
  assert.deepEqual(mcpServerFor('mcp.tickets.example', '/mcp', p), { host: 'mcp.tickets.example', name: 'tickets' });
  assert.deepEqual(mcpServerFor('MCP.Tickets.Example.', '/mcp/sse?x=1', p), { host: 'mcp.tickets.example', name: 'tickets' });
  assert.deepEqual(mcpServerFor('mcp.tickets.example', '/other', p), { host: 'mcp.tickets.example', name: 'tickets_legacy' });
  // An ambiguous path never earns a path-scoped name.
  assert.deepEqual(mcpServerFor('mcp.tickets.example', '/x/..%2Fmcp', p), { host: 'mcp.tickets.example', name: 'tickets_legacy' });
  assert.deepEqual(mcpServerFor('a.b.fs.internal', '/', p), { host: 'a.b.fs.internal', name: 'fs' });
  assert.deepEqual(mcpServerFor('fs.internal', '/', p), { host: 'fs.internal' });
  assert.deepEqual(mcpServerFor('10.0.0.7', '/', p), { host: '10.0.0.7', name: 'fs' });
  assert.deepEqual(mcpServerFor('[::1]', '/', p), { host: '::1' });
  assert.deepEqual(mcpServerFor('x', '/', compilePolicy([], V)), { host: 'x' });
  // The name it gives is what tool rules match on.
  assert.equal(decideTool({ server: mcpServerFor('mcp.tickets.example', '/mcp', p), tool: 'tickets.create', args: {} }, null, p).rule, 'tickets-create');
  assert.equal(decideTool({ server: mcpServerFor('mcp.tickets.example', '/other', p), tool: 'tickets.create', args: {} }, null, p).rule, 'default-deny');
});

void test('the mcp section compiles with its defaults', () => {
  const p = compilePolicy([], V);
  assert.deepEqual(
    { d: p.mcp.default, s: p.mcp.servers, pin: p.mcp.pinning, max: p.mcp.maxMessageBytes, chain: p.mcp.chain, scan: p.mcp.scanArgsInjection },
    { d: 'deny', s: [], pin: 'enforce', max: 4 * 1024 * 1024, chain: 'block', scan: true },
  );
  const q = compilePolicy([], V, undefined, { default: 'allow', pinning: 'report', max_message_bytes: 2048, chain: 'off', scan_args_injection: false });
  assert.deepEqual([q.mcp.default, q.mcp.pinning, q.mcp.maxMessageBytes, q.mcp.chain, q.mcp.scanArgsInjection], ['allow', 'report', 2048, 'off', false]);
});

void test('compilePolicy refuses unusable tool rules and servers, naming the rule and the field', () => {
  const bad: Array<[RuleSpec[], McpSectionSpec, RegExp]> = [
    [[{ id: 't', hosts: ['a.test'], mcp: {} }], {}, /^rule t: an MCP tool rule cannot have 'hosts'; the MCP server's HTTP rule carries host and credential$/],
    [[{ id: 't', credential: { secret: 's', query: 'k' }, mcp: {} }], {}, /cannot have 'credential'/],
    [[{ id: 't', mcp: { tools: [] } }], {}, /rule t: mcp\.tools: expected a non-empty list/],
    [[{ id: 't', mcp: { tools: ['tickets.***'] } }], {}, /rule t: mcp\.tools\[0\]: '\*\*\*' in 'tickets\.\*\*\*'/],
    [[{ id: 't', mcp: { tools: ['a b'] } }], {}, /mcp\.tools\[0\]: 'a b' contains a space/],
    [
      [{ id: 't', mcp: { servers: ['https://mcp.example.com/mcp'] } }],
      {},
      /mcp\.servers\[0\]: expected a host or a server name, not a URL.*\(write 'mcp\.example\.com'\)/,
    ],
    [[{ id: 't', mcp: { servers: ['mcp.example.com:8443'] } }], {}, /carries no port; write 'mcp\.example\.com'/],
    [
      [{ id: 't', mcp: { args: [{ path: 'x' }] } }],
      {},
      /rule t: mcp\.args\[0\]: states no test: expected one or more of equals, in, starts_with, under, matches/,
    ],
    [[{ id: 't', mcp: { args: [{ path: 'x', matches: '(a+)+$' }] } }], {}, /mcp\.args\[0\]\.matches: nested quantifier/],
    [[{ id: 't', mcp: { args: [{ path: 'x', starts_with: 5 as unknown as string }] } }], {}, /mcp\.args\[0\]\.starts_with: expected a string/],
    [
      [
        { id: 't', mcp: {} },
        { id: 't', mcp: {} },
      ],
      {},
      /rule t: duplicate rule id/,
    ],
    [[], { servers: { tickets: { hosts: [] } } }, /^server mcp\.servers\.tickets: hosts: expected at least one host$/],
    [[], { servers: { tickets: { hosts: ['a.test'], paths: ['mcp'] } } }, /server mcp\.servers\.tickets: paths: a path pattern starts with '\/'/],
    [[], { servers: { '1x': { hosts: ['a.test'] } } }, /server mcp\.servers\.1x: a server name is a letter/],
  ];
  for (const [rules, section, why] of bad) {
    assert.throws(
      () => compilePolicy(rules, V, undefined, section),
      (err: unknown) => err instanceof PolicyCompileError && why.test(err.message),
      JSON.stringify([rules, section]),
    );
  }
});

void test('a server named without hosts is a stdio server: tool rules may name it, and no HTTP request is ever it', () => {
  const p = compilePolicy([{ id: 'fs-read', mcp: { servers: ['fs'], tools: ['read_file'] } }], V, undefined, { servers: { fs: {} } });
  const stdio: McpServerRef = { host: 'fs', name: 'fs' };
  assert.equal(decideTool({ server: stdio, tool: 'read_file', args: {} }, null, p).outcome, 'allow');
  assert.equal(decideTool({ server: stdio, tool: 'write_file', args: {} }, null, p).outcome, 'deny');
  assert.deepEqual(mcpServerFor('fs', '/mcp', p), { host: 'fs' });
  assert.throws(() => compilePolicy([], V, undefined, { servers: { fs: { paths: ['/mcp'] } } }), /only a server with 'hosts' has paths/);
});
