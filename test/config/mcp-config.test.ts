import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { CONFIG_FILE, configProblems } from '../helpers/config-problems.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { decideTool } from '../../src/policy/decide-tool.js';
import { mcpServerFor } from '../../src/policy/mcp-servers.js';

const FILE = CONFIG_FILE;

const problems = configProblems;

const CLASH = "belongs on the MCP server's HTTP rule, which carries host and credential";

void test('mcp and a2a sections: defaults when absent or empty', () => {
  for (const text of ['version: 1\n', 'version: 1\nmcp:\na2a:\n', 'version: 1\nmcp: {}\na2a: {}\n']) {
    const { config } = parseConfig(text, FILE);
    assert.deepEqual(
      config.mcp,
      { servers: {}, default: 'deny', pinning: 'enforce', max_message_bytes: 4 * 1024 * 1024, chain: 'block', scan_args_injection: true },
      text,
    );
    assert.deepEqual(config.a2a, { card_pinning: 'enforce', max_message_bytes: 4 * 1024 * 1024 }, text);
  }
});

void test('a full mcp section and tool rules load, and decide as written', () => {
  const text = [
    'version: 1',
    'mcp:',
    '  servers:',
    '    tickets:',
    '      hosts: [MCP.Tickets.example]',
    '      paths: ["/mcp"]',
    '    fs: { hosts: ["*.fs.internal"] }',
    '  default: allow',
    '  pinning: report',
    '  max_message_bytes: 65536',
    '  chain: warn',
    '  scan_args_injection: false',
    'a2a:',
    '  card_pinning: off',
    '  max_message_bytes: 2048',
    'rules:',
    '  - id: tickets-http',
    '    hosts: [mcp.tickets.example]',
    '  - id: tickets-create',
    '    intent: ticket.create',
    '    agents: ["support-*"]',
    '    mode: report',
    '    mcp:',
    '      servers: [tickets]',
    '      tools: [tickets.create]',
    '  - id: tickets-no-delete',
    '    action: deny',
    '    mcp: { servers: [tickets], tools: ["tickets.delete", "tickets.**.purge"] }',
    '  - id: fs-workspace',
    '    labels: { team: dev }',
    '    mcp:',
    '      servers: ["*.fs.internal"]',
    '      args:',
    '        - { path: path, under: /workspace/ }',
    '        - { path: options.mode, in: [read, list] }',
    '        - { path: "files[0].name", starts_with: report-, matches: "^[a-z0-9.-]+$" }',
    '        - { path: dry_run, equals: true }',
    '',
  ].join('\n');
  const { config, version } = parseConfig(text, FILE);
  assert.deepEqual(config.mcp, {
    servers: { tickets: { hosts: ['mcp.tickets.example'], paths: ['/mcp'] }, fs: { hosts: ['*.fs.internal'] } },
    default: 'allow',
    pinning: 'report',
    max_message_bytes: 65536,
    chain: 'warn',
    scan_args_injection: false,
  });
  assert.deepEqual(config.a2a, { card_pinning: 'off', max_message_bytes: 2048 });
  assert.deepEqual(config.rules[1], {
    id: 'tickets-create',
    intent: 'ticket.create',
    agents: ['support-*'],
    mode: 'report',
    mcp: { servers: ['tickets'], tools: ['tickets.create'] },
  });
  assert.deepEqual(config.rules[3]?.mcp?.args?.[2], { path: 'files[0].name', starts_with: 'report-', matches: '^[a-z0-9.-]+$' });
  const p = compilePolicy(config.rules, version, config.routes, config.mcp);
  assert.deepEqual([p.rules.length, p.mcp.rules.length, p.mcp.default], [1, 3, 'allow']);
  const server = mcpServerFor('mcp.tickets.example', '/mcp', p);
  assert.equal(decideTool({ server, tool: 'tickets.delete', args: {} }, null, p).rule, 'tickets-no-delete');
  assert.equal(decideTool({ server, tool: 'tickets.a.b.purge', args: {} }, null, p).rule, 'tickets-no-delete');
  assert.equal(decideTool({ server, tool: 'tickets.get', args: {} }, null, p).rule, 'default-allow');
});

void test('a tool rule with HTTP keys is refused at each key, saying the HTTP rule carries host and credential', () => {
  const lines = [
    'version: 1',
    'rules:',
    '  - id: mixed',
    '    hosts: [mcp.tickets.example]',
    '    methods: [POST]',
    '    credential: { secret: tickets_token, header: authorization, value: "Bearer {{secret}}" }',
    '    route: internal',
    '    mcp: { tools: [tickets.create] }',
    '  - id: fine',
    '    agents: [bot]',
    '    labels: { team: dev }',
    '    tenants: [acme]',
    '    intent: ticket.create',
    '    action: deny',
    '    mode: report',
    '    mcp: { tools: [tickets.delete] }',
  ];
  assert.deepEqual(problems(lines), [
    `4:12 rules[0].hosts: an MCP tool rule (one with 'mcp:') states only id, tenants, agents, labels, intent, action, mode, rate_limit and redact; 'hosts' ${CLASH}`,
    `5:14 rules[0].methods: an MCP tool rule (one with 'mcp:') states only id, tenants, agents, labels, intent, action, mode, rate_limit and redact; 'methods' ${CLASH}`,
    `6:17 rules[0].credential: an MCP tool rule (one with 'mcp:') states only id, tenants, agents, labels, intent, action, mode, rate_limit and redact; 'credential' ${CLASH}`,
    `7:12 rules[0].route: an MCP tool rule (one with 'mcp:') states only id, tenants, agents, labels, intent, action, mode, rate_limit and redact; 'route' ${CLASH}`,
  ]);
});

void test('bad globs, server patterns and argument conditions point at their item or key', () => {
  const lines = [
    'version: 1',
    'mcp:',
    '  servers:',
    '    tickets: { hosts: [mcp.tickets.example] }',
    'rules:',
    '  - id: a',
    '    mcp:',
    '      servers: [tickets, "https://mcp.x.example/mcp", "mcp.x.example:8443", tickts]',
    '      tools: ["tickets.***", "tickets create", ""]',
    '  - id: b',
    '    mcp:',
    '      args:',
    '        - { path: path, under: relative/dir }',
    '        - { path: x, matches: "(a+)+$" }',
    '        - { path: "a..b", equals: 1 }',
    '        - { path: x }',
    '        - { path: x, in: [] }',
    '        - { path: x, equals: [1] }',
    '        - { path: x, startsWith: /w }',
    '  - id: c',
    '    mcp: { tools: [] }',
  ];
  assert.deepEqual(problems(lines), [
    "8:26 rules[0].mcp.servers[1]: expected a host or a server name, not a URL; got 'https://mcp.x.example/mcp' (write 'mcp.x.example')",
    "8:55 rules[0].mcp.servers[2]: a server pattern carries no port; write 'mcp.x.example' instead of 'mcp.x.example:8443'",
    "8:77 rules[0].mcp.servers[3]: no MCP server named 'tickts' in mcp.servers (servers are: tickets); a host needs its domain, like 'tickts.internal'",
    "9:15 rules[0].mcp.tools[0]: '***' in 'tickets.***': write '*' (within a dot segment) or '**' (across dots)",
    "9:30 rules[0].mcp.tools[1]: 'tickets create' contains a space or control character; tool and host names have none",
    "9:48 rules[0].mcp.tools[2]: expected a tool name or glob like 'tickets.create' or 'tickets.*'; got an empty string",
    '13:32 rules[1].mcp.args[0].under: expected an absolute path like "/workspace/"; got "relative/dir"',
    '14:31 rules[1].mcp.args[1].matches: nested quantifier or quantified alternation at offset 4: rewrite without repeating a group that itself repeats or alternates',
    '15:19 rules[1].mcp.args[2].path: empty segment at offset 2 in "a..b"',
    '16:11 rules[1].mcp.args[3]: states no test: expected one or more of equals, in, starts_with, under, matches',
    '17:26 rules[1].mcp.args[4].in: expected at least one item, like [read, list]; leave the key out to match any',
    '18:30 rules[1].mcp.args[5].equals: expected a string, number or true/false',
    "19:22 rules[1].mcp.args[6].startsWith: unknown key 'startsWith'; allowed keys: path, equals, in, starts_with, under, matches",
    "21:19 rules[2].mcp.tools: expected at least one item, like ['tickets.create', 'tickets.*']; leave the key out to match any",
  ]);
});

void test('unknown keys in rules[].mcp, mcp and a2a list the allowed keys; bad values say what was expected', () => {
  const lines = [
    'version: 1',
    'mcp:',
    '  servers:',
    '    tickets: { hosts: ["*.bad*.example"], path: ["/mcp"] }',
    '    1st: { hosts: [a.example] }',
    '    fs: { paths: ["mcp"] }',
    '  default: block',
    '  pinning: yes',
    '  max_message_bytes: 10',
    '  chain: maybe',
    '  scan_args_injection: "no"',
    '  rules: []',
    'a2a:',
    '  card_pinning: strict',
    '  max_message_bytes: 4gb',
    '  cards: {}',
    'rules:',
    '  - id: a',
    '    mcp: { tool: [x], servers: [tickets] }',
    '  - id: b',
    '    mcp:',
  ];
  assert.deepEqual(problems(lines), [
    "4:24 mcp.servers.tickets.hosts[0]: '*' is only allowed as the whole first label, like '*.example.com'; got '*.bad*.example'",
    "4:43 mcp.servers.tickets.path: unknown key 'path'; allowed keys: hosts, paths",
    `5:5 mcp.servers["1st"]: expected a server name like tickets (a letter, then letters, digits, '.', '_' or '-'); got '1st'`,
    "6:18 mcp.servers.fs.paths: only a server with 'hosts' has paths; leave both out for a stdio server (sluice mcp --name NAME)",
    "6:19 mcp.servers.fs.paths[0]: a path pattern starts with '/'; got 'mcp'",
    "7:12 mcp.default: expected one of deny, allow; got 'block'",
    "8:12 mcp.pinning: expected one of enforce, report, off; got 'yes'",
    '9:22 mcp.max_message_bytes: expected a whole number from 1024 to 1073741824 (bytes); got 10',
    "10:10 mcp.chain: expected one of block, warn, off; got 'maybe'",
    "11:24 mcp.scan_args_injection: expected true or false; got 'no'",
    "12:3 mcp.rules: unknown key 'rules'; allowed keys: servers, default, pinning, max_message_bytes, chain, scan_args_injection",
    "14:17 a2a.card_pinning: expected one of enforce, report, off; got 'strict'",
    "15:22 a2a.max_message_bytes: expected a whole number from 1024 to 1073741824 (bytes); got '4gb'",
    "16:3 a2a.cards: unknown key 'cards'; allowed keys: card_pinning, max_message_bytes",
    "19:12 rules[0].mcp.tool: unknown key 'tool'; allowed keys: servers, server, tools, args",
    '21:5 rules[1].mcp: expected a map of key: value pairs; got an empty value',
  ]);
});

void test('a rule without mcp that names no host is still an HTTP rule; one with mcp: {} is a tool rule for every tool', () => {
  const { config, version } = parseConfig(['version: 1', 'rules:', '  - id: http-any', '  - id: tools-any', '    mcp: {}', ''].join('\n'), FILE);
  const p = compilePolicy(config.rules, version, config.routes, config.mcp);
  assert.deepEqual(
    p.rules.map((r) => r.id),
    ['http-any'],
  );
  assert.deepEqual(
    p.mcp.rules.map((r) => r.id),
    ['tools-any'],
  );
});

void test("'mcp.server' (the issue's spelling) is accepted for 'servers', one pattern or a list; both at once, or an unknown name, is an error at its line", () => {
  const { config } = parseConfig(
    [
      'version: 1',
      'mcp:',
      '  servers:',
      '    tickets: { hosts: [mcp.tickets.example] }',
      'rules:',
      '  - id: create',
      '    mcp: { server: tickets, tools: [tickets.create] }',
      '  - id: no-delete',
      '    action: deny',
      '    mcp: { server: [tickets, "*.other.example"], tools: [tickets.delete] }',
    ].join('\n'),
    FILE,
  );
  const p = compilePolicy(config.rules, 'v', config.routes, config.mcp);
  const tickets = mcpServerFor('mcp.tickets.example', '/mcp', p);
  assert.equal(decideTool({ server: tickets, tool: 'tickets.create', args: {} }, null, p).rule, 'create');
  assert.equal(decideTool({ server: tickets, tool: 'tickets.delete', args: {} }, null, p).rule, 'no-delete');
  assert.equal(decideTool({ server: { host: 'x.example' }, tool: 'tickets.create', args: {} }, null, p).rule, 'default-deny');
  assert.deepEqual(
    problems([
      'version: 1',
      'rules:',
      '  - id: both',
      '    mcp: { server: a.example.com, servers: [b.example.com] }',
      '  - id: typo',
      '    mcp: { server: tickts }',
    ]),
    [
      "4:20 rules[0].mcp.server: give 'servers' or 'server', not both",
      // Checked after 'server' became 'servers': the line is the rule's mcp, the message names the value.
      "6:10 rules[1].mcp.servers[0]: no MCP server named 'tickts' in mcp.servers (there is no 'mcp.servers' section); a host needs its domain, like 'tickts.internal'",
    ],
  );
});
