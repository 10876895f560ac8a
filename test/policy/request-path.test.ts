import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../src/policy/compile.js';
import { decide } from '../../src/policy/decide.js';
import { decideTool } from '../../src/policy/decide-tool.js';
import { mcpServerFor } from '../../src/policy/mcp-servers.js';
import { pathPatternProblem } from '../../src/policy/path-glob.js';
import { normaliseRequestPath, type PathAmbiguity } from '../../src/policy/request-path.js';

/** Every form a common server normalises into another path, with the class it is reported as. */
const AMBIGUOUS: [string, PathAmbiguity][] = [
  ['*', 'no_path'],
  ['', 'no_path'],
  ['/public#/../admin', 'fragment'],
  ['/x/../admin', 'dot_segment'],
  ['/x/%2e%2e/admin', 'dot_segment'],
  ['/x/.%2E/admin', 'dot_segment'],
  ['/./admin', 'dot_segment'],
  ['/admin/..', 'dot_segment'],
  ['//admin', 'empty_segment'],
  ['/x//admin', 'empty_segment'],
  ['\\admin', 'no_path'],
  ['/x\\..\\admin', 'backslash'],
  ['/x/..%2fadmin', 'encoded_separator'],
  ['/x%5C..%5Cadmin', 'encoded_separator'],
  ['/admin%3F.css', 'encoded_delimiter'],
  ['/admin%23x', 'encoded_delimiter'],
  ['/admin;x', 'semicolon'],
  ['/x/..;/admin', 'semicolon'],
  ['/admin%3Bjsessionid=1', 'semicolon'],
  ['/%2561dmin', 'double_encoding'],
  ['/x/%252e%252e/admin', 'double_encoding'],
  ['/x/%25%32%65%25%32%65/admin', 'double_encoding'],
  ['/%252561dmin', 'double_encoding'],
  ['/admin%', 'broken_escape'],
  ['/admin%G1', 'broken_escape'],
  ['/admin%00', 'control_char'],
  ['/admin%00.png', 'control_char'],
  ['/admin%09', 'control_char'],
  ['/admin%0d%0a', 'control_char'],
  ['/admin%7F', 'control_char'],
  ['/admin%20', 'edge_space'],
  ['/%20admin', 'edge_space'],
  ['/admin%20/x', 'edge_space'],
  ['/admin.', 'trailing_dot'],
  ['/admin../x', 'trailing_dot'],
  ['/admin%2e', 'trailing_dot'],
  ['/x/%c0%ae%c0%ae/admin', 'bad_utf8'],
  ['/x/%e0%80%ae%e0%80%ae/admin', 'bad_utf8'],
  ['/x%c0%afadmin', 'bad_utf8'],
  ['/admin%ff', 'bad_utf8'],
  ['/admin%ed%a0%80', 'bad_utf8'],
  ['/adm\u00efn', 'raw_non_ascii'],
  ['/x/%ef%bc%8e%ef%bc%8e/admin', 'unicode_fold'],
  ['/x%ef%bc%8fadmin', 'unicode_fold'],
  ['/%ef%bd%81dmin', 'unicode_fold'],
  ['/%e2%84%aaey', 'unicode_fold'],
  ['/admin%e2%80%8b', 'unicode_fold'],
  ['/admin%c2%a0', 'unicode_fold'],
  ['/x/%e2%80%a5/admin', 'unicode_fold'],
  ['/adm%c4%b1n', 'unicode_fold'],
  ['/%c5%bfecret', 'unicode_fold'],
  ['/%c4%b0nternal', 'unicode_fold'],
];

void test('the classifier names every ambiguous form servers normalise', () => {
  for (const [target, kind] of AMBIGUOUS) {
    const p = normaliseRequestPath(target);
    assert.equal(p.ambiguous, true, target);
    assert.equal(p.ambiguity, kind, target);
  }
});

void test('ordinary paths are not ambiguous, and decode the way servers read them', () => {
  const plain: [string, string, string][] = [
    ['/repos/acme/x', '/repos/acme/x', '/repos/acme/x'],
    ['/api/v1/items?id=3', '/api/v1/items', '/api/v1/items'],
    ['/files/my%20doc.txt', '/files/my%20doc.txt', '/files/my doc.txt'],
    ['/%61dmin', '/admin', '/admin'],
    ['/ADMIN/', '/ADMIN/', '/ADMIN/'],
    ['/caf%C3%A9', '/caf%C3%A9', '/caf\u00e9'],
    ['/users/a%40b', '/users/a%40b', '/users/a@b'],
    ['/search/100%25', '/search/100%25', '/search/100%'],
    ['/stra%C3%9Fe', '/stra%C3%9Fe', '/stra\u00dfe'],
    ['/.well-known/openid-configuration', '/.well-known/openid-configuration', '/.well-known/openid-configuration'],
    ['/v1/a..b/c', '/v1/a..b/c', '/v1/a..b/c'],
    ['/', '/', '/'],
    ['/x?q=/../;%00', '/x', '/x'],
  ];
  for (const [target, path, decoded] of plain) {
    assert.deepEqual(normaliseRequestPath(target), { path, decoded, ambiguous: false, ambiguity: null }, target);
  }
});

void test('the work is linear: a long hostile path is classified at once', () => {
  const long = `/${'%2561'.repeat(50_000)}${'a/'.repeat(50_000)}`;
  assert.equal(normaliseRequestPath(long).ambiguity, 'double_encoding');
  const fine = `/${'a%20b/'.repeat(50_000)}`;
  assert.equal(normaliseRequestPath(fine).ambiguous, false);
});

void test('patterns go through the same classifier: an ambiguous pattern is refused, spaces and non-ASCII are escaped', () => {
  assert.match(pathPatternProblem('/admin;x') ?? '', /can never match: a request path with a ';'/);
  assert.match(pathPatternProblem('/a//b') ?? '', /empty segment/);
  assert.match(pathPatternProblem('/a\\b') ?? '', /'\\'/);
  assert.equal(pathPatternProblem('/my files/**'), null);
  assert.equal(pathPatternProblem('/caf\u00e9/**'), null);
});

const policy = compilePolicy(
  [
    { id: 'no-admin', hosts: ['app.test'], paths: ['/admin/**', '/internal/'], action: 'deny' },
    { id: 'no-exact-case', hosts: ['app.test'], paths: ['/Secret'], action: 'deny', case_sensitive: true },
    { id: 'public', hosts: ['app.test'], paths: ['/public/**', '/files/my%20doc', '/caf\u00e9'] },
    { id: 'loose', hosts: ['app.test'], paths: ['/Loose/**'], case_sensitive: false },
    { id: 'rest', hosts: ['app.test'] },
  ],
  'v1',
);
const ruleFor = (path: string): string => decide({ scheme: 'https', host: 'app.test', port: 443, method: 'GET', path }, policy).rule;

void test('deny rules match every spelling a server routes to the same place', () => {
  for (const path of [
    '/admin',
    '/ADMIN',
    '/Admin/x',
    '/admin/',
    '/%61dmin',
    '/%41DMIN/users',
    '/internal',
    '/INTERNAL/',
    '/admin.json',
    '/ADMIN.html',
    '/internal.xml',
    '/%c4%81dmin',
    '/%c3%a0dmin/x',
    '/ADM%C3%8DN',
    '/intern%c3%a1l.json',
    ...AMBIGUOUS.map(([t]) => t),
  ]) {
    assert.equal(ruleFor(path), 'no-admin', path);
  }
  assert.equal(ruleFor('/administrator'), 'rest');
  assert.equal(ruleFor('/admin-x.json'), 'rest');
  assert.equal(ruleFor('/.admin'), 'rest');
  assert.equal(ruleFor('/caf%c3%a9'), 'public', 'an accented path an allow rule names is still allowed');
  assert.equal(ruleFor('/%c3%a6dmin'), 'rest', 'a letter that is not a marked one (æ) is not taken apart');
  assert.equal(ruleFor('/Secret'), 'no-exact-case');
  assert.equal(ruleFor('/secret'), 'rest', 'case_sensitive: true compares exactly');
});

void test('allow rules match exactly, as before; case_sensitive: false lets one match any case', () => {
  assert.equal(
    decide(
      { scheme: 'https', host: 'app.test', port: 443, method: 'GET', path: '/public/x?id=3' },
      compilePolicy([{ id: 'p', hosts: ['app.test'], paths: ['/public/**'] }], 'v'),
    ).rule,
    'p',
  );
  const only = compilePolicy(
    [
      { id: 'p', hosts: ['app.test'], paths: ['/public/**', '/files/my%20doc', '/caf\u00e9'] },
      { id: 'l', hosts: ['app.test'], paths: ['/Loose/**'], case_sensitive: false },
    ],
    'v',
  );
  const rule = (path: string): string => decide({ scheme: 'https', host: 'app.test', port: 443, method: 'GET', path }, only).rule;
  assert.equal(rule('/public/a/b'), 'p');
  assert.equal(rule('/files/my%20doc'), 'p');
  assert.equal(rule('/caf%c3%a9'), 'p');
  assert.equal(rule('/PUBLIC/a'), 'default-deny');
  assert.equal(rule('/public/../admin'), 'default-deny');
  assert.equal(rule('/public;x/a'), 'default-deny');
  assert.equal(rule('/loose/x'), 'l');
  assert.equal(rule('/LOOSE/x'), 'l');
});

void test('an MCP server named by path keeps its deny tool rules for every spelling its upstream may read as its own', () => {
  const p = compilePolicy(
    [
      { id: 'no-delete', mcp: { servers: ['tickets'], tools: ['tickets.delete'] }, action: 'deny' },
      { id: 'tickets-all', mcp: { servers: ['tickets'] } },
    ],
    'v',
    [],
    { servers: { tickets: { hosts: ['mcp.tickets.example'], paths: ['/mcp'] } }, default: 'allow' },
  );
  for (const path of ['/MCP', '/mcp/', '/Mcp;x', '/x/..%2Fmcp', '/%6dcp']) {
    const server = mcpServerFor('mcp.tickets.example', path, p);
    assert.equal(decideTool({ server, tool: 'tickets.delete', args: {} }, null, p).rule, 'no-delete', path);
  }
  // Allow rules that name the server need its exact path.
  assert.equal(decideTool({ server: mcpServerFor('mcp.tickets.example', '/MCP', p), tool: 'tickets.create', args: {} }, null, p).rule, 'default-allow');
  assert.equal(decideTool({ server: mcpServerFor('mcp.tickets.example', '/mcp', p), tool: 'tickets.create', args: {} }, null, p).rule, 'tickets-all');
  assert.deepEqual(mcpServerFor('mcp.tickets.example', '/other', p), { host: 'mcp.tickets.example' });
});
