import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { parseCases } from '../../src/config/load-cases.js';
import { resolvePolicyPaths } from '../../src/config/policy-paths.js';
import { ConfigError } from '../../src/errors.js';

const FILE = '/etc/sluice/sluice.yaml';

/** `line:col path: message` for every problem, so a failing test shows the whole list. */
function problems(lines: string[], parse: (text: string) => unknown = (t) => parseConfig(t, FILE)): string[] {
  try {
    parse(lines.join('\n'));
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  }
  return assert.fail('expected a ConfigError');
}

void test('a full rule, routes, identity and audit load with values parsed', () => {
  const text = [
    'version: 1',
    'rules:',
    '  - id: a',
    '    tenants: [acme]',
    '    agents: ["support-*"]',
    '    labels: { team: support }',
    '    hosts: [api.github.com]',
    '    ports: [443, "8000 - 8100"]',
    '    schemes: [https]',
    '    methods: [get, Post]',
    '    paths: ["/repos/acme/**"]',
    '    intent: ticket.create',
    '    mode: report',
    '    credential:',
    '      secret: github_token',
    '      header: Authorization',
    '      value: "Bearer {{secret}}"',
    '    route: internal-tickets',
    '    headers: { set: { User-Agent: sluice }, remove: [Cookie] }',
    '  - id: gone',
    '    respond: { status: 410, headers: {content-type: text/plain}, body: "gone" }',
    'routes:',
    '  internal-tickets:',
    '    url: https://10.0.0.5:8443/base/',
    '    ca: ./tickets-ca.pem',
    '    cert: ./client.pem',
    '    key: /abs/client-key.pem',
    '    host: tickets.internal',
    'identity:',
    '  max_ttl: 1h',
    'audit:',
    '  jsonl: logs/audit.jsonl',
    '',
  ].join('\n');
  const { config, dir } = parseConfig(text, FILE);
  assert.deepEqual(config.rules[0], {
    id: 'a',
    tenants: ['acme'],
    agents: ['support-*'],
    labels: { team: 'support' },
    hosts: ['api.github.com'],
    ports: [443, '8000-8100'],
    schemes: ['https'],
    methods: ['GET', 'POST'],
    paths: ['/repos/acme/**'],
    intent: 'ticket.create',
    mode: 'report',
    credential: { secret: 'github_token', header: 'authorization', value: 'Bearer {{secret}}' },
    route: 'internal-tickets',
    headers: { set: { 'user-agent': 'sluice' }, remove: ['cookie'] },
  });
  assert.deepEqual(config.rules[1]?.respond, { status: 410, headers: { 'content-type': 'text/plain' }, body: 'gone' });
  assert.deepEqual(config.routes['internal-tickets']?.url, {
    href: 'https://10.0.0.5:8443/base/',
    scheme: 'https',
    host: '10.0.0.5',
    port: 8443,
    base_path: '/base',
  });
  assert.deepEqual(config.identity, { required: true, max_ttl: 3_600_000 });
  // The loader resolves route and audit paths against the config's folder, like every path.
  assert.deepEqual(config.audit, {
    sqlite: true,
    jsonl: '/etc/sluice/logs/audit.jsonl',
    fail_closed: 'all',
    durability: 'process',
    spool_max: 268435456,
    chain: { checkpoint_records: 1000, checkpoint_ms: 60_000 },
    export: [],
  });
  const route = config.routes['internal-tickets'];
  assert.deepEqual([route?.ca, route?.cert, route?.key], ['/etc/sluice/tickets-ca.pem', '/etc/sluice/client.pem', '/abs/client-key.pem']);
  // Resolving again is a no-op.
  assert.deepEqual(resolvePolicyPaths(config, dir), config);
});

void test('matcher values are checked item by item, with lines', () => {
  const lines = [
    'version: 1',
    'rules:',
    '  - id: a',
    '    ports: [0, "9-1", "x", 443]',
    '    methods: [get, "GE T"]',
    '    paths: ["repos/**", "/ok/**", "/a/../b"]',
    '    schemes: [ftp]',
    '    labels: { team: 1 }',
    '    tenants: []',
    '    agents: ["a b"]',
    '    intent: "bad intent"',
    '    mode: shadow',
    '    action: block',
  ];
  assert.deepEqual(problems(lines), [
    "4:13 rules[0].ports[0]: ports are whole numbers from 1 to 65535; got '0'",
    `4:16 rules[0].ports[1]: range '9-1' runs backwards; write it low-high, like "1-9"`,
    `4:23 rules[0].ports[2]: expected a port like 443 or a range like "8000-8100"; got 'x'`,
    "5:20 rules[0].methods[1]: expected an HTTP method like GET or POST; got 'GE T'",
    "6:13 rules[0].paths[0]: a path pattern starts with '/'; got 'repos/**'",
    "6:35 rules[0].paths[2]: '/a/../b' can never match: a request path with a '.' or '..' segment is ambiguous and only matches '/**'",
    "7:15 rules[0].schemes[0]: expected one of http, https; got 'ftp'",
    "8:21 rules[0].labels.team: expected a string; got 1; put it in quotes if you mean the text '1'",
    '9:14 rules[0].tenants: expected at least one item, like [acme]; leave the key out to match any',
    "10:14 rules[0].agents[0]: expected a name or a glob like 'support-*' (no spaces); got 'a b'",
    "11:13 rules[0].intent: expected an intent name like ticket.create (letters, digits, '.', '_', ':', '/', '-'); got 'bad intent'",
    "12:11 rules[0].mode: expected one of enforce, report; got 'shadow'",
    "13:13 rules[0].action: expected one of allow, deny, approve; got 'block'",
  ]);
});

void test('actions: credential form, {{secret}}, deny + credential, respond exclusivity, route references', () => {
  const lines = [
    'version: 1',
    'rules:',
    '  - id: b',
    '    action: deny',
    '    credential: { secret: gh, query: key }',
    '  - id: c',
    '    credential:',
    '      secret: gh',
    '      header: authorization',
    '      value: "Bearer x"',
    '      query: k',
    '  - id: d',
    '    route: nowhere',
    '  - id: e',
    '    credential: { secret: "env:1BAD", basic: { username: u } }',
    '  - id: f',
    '    respond: { status: 99 }',
    '    credential: { secret: gh, query: k }',
    '    route: internal',
    '  - id: g',
    '    credential: { secret: gh }',
    '  - id: h',
    '    credential: { secret: gh, value: "{{secret}}" }',
    'routes:',
    '  internal:',
    '    url: ftp://x',
    '    cert: ./c.pem',
  ];
  assert.deepEqual(problems(lines), [
    "5:17 rules[0].credential: a deny rule cannot have 'credential'; it only applies to allowed requests",
    '8:7 rules[1].credential: expected exactly one injection form (header, basic, query, placeholder, oauth2, token_exchange, jwt, gcp, hmac, aws_sigv4); got header and query',
    `10:14 rules[1].credential.value: the value must contain {{secret}} where the secret goes, like "Bearer {{secret}}"; got 'Bearer x'`,
    "13:12 rules[2].route: no route named 'nowhere'; routes are: internal",
    "15:27 rules[3].credential.secret: 'env:1BAD': an environment variable name is letters, digits and '_', not starting with a digit",
    "17:14 rules[4].respond: 'respond' answers without an upstream, so it cannot go with 'route' or 'credential'",
    '17:24 rules[4].respond.status: expected a whole number from 100 to 599 (an HTTP status); got 99',
    '21:17 rules[5].credential: expected exactly one injection form (header, basic, query, placeholder, oauth2, token_exchange, jwt, gcp, hmac, aws_sigv4); got none',
    '23:17 rules[6].credential: expected exactly one injection form (header, basic, query, placeholder, oauth2, token_exchange, jwt, gcp, hmac, aws_sigv4); got none',
    "23:38 rules[6].credential.value: 'value' goes with 'header'; add header: authorization (or the header to set)",
    "26:5 routes.internal: mTLS needs both cert and key; 'key' is missing",
    "26:10 routes.internal.url: a route URL is http or https; got 'ftp' in 'ftp://x'",
  ]);
});

void test('a route reference with no routes section says so', () => {
  assert.deepEqual(problems(['version: 1', 'rules:', '  - id: a', '    route: x']), ["4:12 rules[0].route: no route named 'x'; there is no 'routes:' section"]);
});

void test('identity and audit: types, durations, jsonl, unknown keys', () => {
  const lines = [
    'version: 1',
    'identity:',
    '  required: yes',
    '  max_ttl: 0s',
    'audit:',
    '  jsonl: true',
    '  color: red',
    'routes:',
    '  r:',
    '    url: https://u:p@x.test/',
    '    host: "a b"',
  ];
  assert.deepEqual(problems(lines), [
    "3:13 identity.required: expected true or false; got 'yes'",
    '4:12 identity.max_ttl: expected a duration longer than 0, like 30s',
    "6:10 audit.jsonl: expected 'stdout', a file path, or false; got true",
    "7:3 audit.color: unknown key 'color'; allowed keys: sqlite, jsonl, fail_closed, durability, spool_max, retain, chain, export",
    "10:10 routes.r.url: a route URL cannot carry a user or password; use the rule's credential instead",
    "11:11 routes.r.host: expected a Host header value like tickets.internal or tickets.internal:8443; got 'a b'",
  ]);
});

void test('the cases file is validated with lines too', () => {
  const parse = (t: string): unknown => parseCases(t, '/tmp/cases.yaml');
  const lines = [
    'cases:',
    '  - name: ok',
    '    identity: { tenant: acme, agent: bot }',
    '    request: GET https://a.test/',
    '    expect: { outcome: allow }',
    '  - name: bad',
    '    identity: { tenant: acme }',
    '    request: "GET ftp://a.test/"',
    '    expect: { outcome: maybe, rul: x }',
  ];
  assert.deepEqual(problems(lines, parse), [
    '7:15 cases[1].identity.agent: missing: this key is required (a string)',
    "8:14 cases[1].request: expected an http:// or https:// URL; got 'ftp://a.test/'",
    "9:24 cases[1].expect.outcome: expected one of allow, deny, approve; got 'maybe'",
    "9:31 cases[1].expect.rul: unknown key 'rul'; allowed keys: outcome, rule, credential, intent, route, would_deny, error",
  ]);
  assert.deepEqual(problems([''], parse), ["1:1 : the file is empty; expected 'cases:' with a list of cases"]);
  const ok = parseCases(lines.slice(0, 5).join('\n'), '/tmp/cases.yaml');
  assert.deepEqual(ok.cases[0]?.request, { method: 'GET', scheme: 'https', host: 'a.test', port: 443, path: '/' });
});
