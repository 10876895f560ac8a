import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MATCHER_KIND_BY_TYPE } from '../../src/policy/matcher-kinds.js';
import { prepareFacts, type MatcherType } from '../../src/policy/matcher.js';
import { compileNameGlob } from '../../src/policy/name-glob.js';
import { parsePortSpec } from '../../src/policy/port-range.js';
import type { RuleSpec, Who } from '../../src/policy/types.js';
import { req, who } from './helpers.js';

/** [type, rule fields, request, who, expected explain() result (null = matches)] */
type Row = [MatcherType, Partial<RuleSpec>, string, Who | null, string | null];

const bot = who('support-bot', 'acme', { team: 'support', tier: 'gold' });

const TABLE: Row[] = [
  // hosts
  ['hosts', { hosts: ['api.github.com'] }, 'GET https://api.github.com/', null, null],
  ['hosts', { hosts: ['api.github.com'] }, 'GET https://API.GitHub.com./', null, null],
  ['hosts', { hosts: ['api.github.com'] }, 'GET https://github.com/', null, 'host github.com not in [api.github.com]'],
  ['hosts', { hosts: ['*.python.org'] }, 'GET https://docs.python.org/', null, null],
  ['hosts', { hosts: ['*.python.org'] }, 'GET https://a.b.python.org/', null, null],
  ['hosts', { hosts: ['*.python.org'] }, 'GET https://python.org/', null, 'host python.org not in [*.python.org]'],
  ['hosts', { hosts: ['*.python.org'] }, 'GET https://evilpython.org/', null, 'host evilpython.org not in [*.python.org]'],
  ['hosts', { hosts: ['*'] }, 'GET https://anything.test/', null, null],
  ['hosts', { hosts: ['10.0.0.5'] }, 'GET http://10.0.0.5/', null, null],
  ['hosts', { hosts: ['10.0.0.5'] }, 'GET http://0x0a.0.0.5/', null, null],
  ['hosts', { hosts: ['::1'] }, 'GET http://[::1]:8080/', null, null],
  ['hosts', { hosts: ['*.0.5'] }, 'GET http://10.0.0.5/', null, 'host 10.0.0.5 not in [*.0.5]'],
  // ports
  ['ports', { ports: [443] }, 'GET https://a.test/', null, null],
  ['ports', { ports: [443] }, 'GET https://a.test:8443/', null, 'port 8443 not in [443]'],
  ['ports', { ports: ['8000-8100'] }, 'GET http://a.test:8000/', null, null],
  ['ports', { ports: ['8000-8100'] }, 'GET http://a.test:8100/', null, null],
  ['ports', { ports: ['8000-8100'] }, 'GET http://a.test:8101/', null, 'port 8101 not in [8000-8100]'],
  ['ports', { ports: [80, '8000-8100'] }, 'GET http://a.test:7999/', null, 'port 7999 not in [80, 8000-8100]'],
  // schemes
  ['schemes', { schemes: ['https'] }, 'GET https://a.test/', null, null],
  ['schemes', { schemes: ['https'] }, 'GET http://a.test/', null, 'scheme http not in [https]'],
  // methods: compared upper-cased both sides
  ['methods', { methods: ['GET'] }, 'GET https://a.test/', null, null],
  ['methods', { methods: ['get'] }, 'GET https://a.test/', null, null],
  ['methods', { methods: ['GET'] }, 'get https://a.test/', null, null],
  ['methods', { methods: ['GET'] }, 'DELETE https://a.test/', null, 'method DELETE not in [GET]'],
  ['methods', { methods: ['GET', 'HEAD'] }, 'POST https://a.test/', null, 'method POST not in [GET, HEAD]'],
  // paths
  ['paths', { paths: ['/repos/acme/**'] }, 'GET https://a.test/repos/acme/x/y', null, null],
  ['paths', { paths: ['/repos/acme/**'] }, 'GET https://a.test/repos/acmex', null, 'path /repos/acmex not in [/repos/acme/**]'],
  ['paths', { paths: ['/repos/*'] }, 'GET https://a.test/repos/a/b', null, 'path /repos/a/b not in [/repos/*]'],
  [
    'paths',
    { paths: ['/repos/acme/**'] },
    'GET https://a.test/repos/acme/../other',
    null,
    "path /repos/acme/../other is ambiguous (a '.' or '..' segment); an allow rule matches it only with '/**', not [/repos/acme/**]",
  ],
  ['paths', { paths: ['/**'] }, 'GET https://a.test/repos/acme/../other', null, null],
  ['paths', { paths: ['/admin/**'], action: 'deny' }, 'GET https://a.test/public/..%2Fadmin/x', null, null],
  ['paths', { paths: ['/admin/**'], action: 'deny' }, 'GET https://a.test/public/x', null, 'path /public/x not in [/admin/**]'],
  // tenants
  ['tenants', { tenants: ['acme'] }, 'GET https://a.test/', bot, null],
  ['tenants', { tenants: ['acme'] }, 'GET https://a.test/', who('support-bot', 'globex'), 'tenant globex not in [acme]'],
  ['tenants', { tenants: ['ac*'] }, 'GET https://a.test/', bot, null],
  ['tenants', { tenants: ['acme'] }, 'GET https://a.test/', null, 'no identity; the rule is for tenants [acme]'],
  // agents
  ['agents', { agents: ['support-*'] }, 'GET https://a.test/', bot, null],
  ['agents', { agents: ['*-bot'] }, 'GET https://a.test/', bot, null],
  ['agents', { agents: ['s*t'] }, 'GET https://a.test/', bot, null],
  ['agents', { agents: ['support-*'] }, 'GET https://a.test/', who('sales-bot'), 'agent sales-bot not in [support-*]'],
  ['agents', { agents: ['support'] }, 'GET https://a.test/', bot, 'agent support-bot not in [support]'],
  ['agents', { agents: ['x'] }, 'GET https://a.test/', null, 'no identity; the rule is for agents [x]'],
  // labels
  ['labels', { labels: { team: 'support' } }, 'GET https://a.test/', bot, null],
  ['labels', { labels: { team: 'support', tier: 'gold' } }, 'GET https://a.test/', bot, null],
  ['labels', { labels: { team: 'sales' } }, 'GET https://a.test/', bot, "label team is 'support', not 'sales'"],
  ['labels', { labels: { team: 'support', region: 'eu' } }, 'GET https://a.test/', bot, "label region missing (rule needs 'eu')"],
  ['labels', { labels: { toString: 'x' } }, 'GET https://a.test/', bot, "label toString missing (rule needs 'x')"],
  ['labels', { labels: { team: 'support' } }, 'GET https://a.test/', null, 'no identity; the rule is for labels [team=support]'],
];

void test('every matcher kind: matches() and explain() agree with the table', () => {
  for (const [type, fields, line, w, want] of TABLE) {
    const kind = MATCHER_KIND_BY_TYPE.get(type);
    assert.ok(kind, type);
    const m = kind.compile({ id: 't', ...fields });
    assert.ok(m, `${type} compiles`);
    assert.equal(m.type, type);
    const f = prepareFacts(req(line));
    const label = `${type} ${JSON.stringify(fields)} ${line} ${w?.agent ?? 'anonymous'}`;
    assert.equal(m.explain(f, w), want, label);
    assert.equal(m.matches(f, w), want === null, label);
  }
});

void test('a rule that does not state a condition gets no matcher for it', () => {
  for (const kind of MATCHER_KIND_BY_TYPE.values()) assert.equal(kind.compile({ id: 'bare' }), null, kind.type);
});

void test('name globs', () => {
  const rows: [string, string, boolean][] = [
    ['support-*', 'support-bot', true],
    ['support-*', 'support-', true],
    ['support-*', 'support', false],
    ['*', '', true],
    ['*bot', 'support-bot', true],
    ['*bot', 'bots', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['exact', 'exact', true],
    ['exact', 'Exact', false],
  ];
  for (const [p, s, want] of rows) assert.equal(compileNameGlob(p)(s), want, `${p} ${s}`);
});

void test('port specs', () => {
  assert.deepEqual(parsePortSpec(443), { from: 443, to: 443 });
  assert.deepEqual(parsePortSpec('8000-8100'), { from: 8000, to: 8100 });
  assert.deepEqual(parsePortSpec(' 8000 - 8100 '), { from: 8000, to: 8100 });
  assert.deepEqual(parsePortSpec('22'), { from: 22, to: 22 });
  assert.throws(() => parsePortSpec('9-1'), /runs backwards/);
  assert.throws(() => parsePortSpec(0), /1 to 65535/);
  assert.throws(() => parsePortSpec('1-70000'), /1 to 65535/);
  assert.throws(() => parsePortSpec('http'), /expected a port/);
  assert.throws(() => parsePortSpec(44.5), /1 to 65535/);
});
