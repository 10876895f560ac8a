import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { decide } from '../../src/policy/decide.js';
import { explain } from '../../src/policy/explain.js';
import { README_POLICY, req, who } from './helpers.js';

const loaded = parseConfig(README_POLICY, '/etc/sluice/sluice.yaml');
const policy = compilePolicy(loaded.config.rules, loaded.version, loaded.config.routes);
const bot = who('support-bot');

void test('the README example loads as written', () => {
  assert.deepEqual(
    loaded.config.rules.map((r) => r.id),
    ['github-read', 'tickets-create', 'tickets-no-delete', 'python-docs'],
  );
  assert.equal(policy.version, loaded.version);
});

void test('support-bot reads acme repos with the github token injected', () => {
  const d = decide(req('GET https://api.github.com/repos/acme/widgets/issues?page=2'), bot, policy);
  assert.deepEqual(d, {
    outcome: 'allow',
    rule: 'github-read',
    reason: 'rule_allow',
    policyVersion: loaded.version,
    intent: null,
    credential: { type: 'header', secret: 'github_token', header: 'authorization', value: 'Bearer {{secret}}' },
    route: null,
    respond: null,
    headers: null,
    wouldDeny: [],
    inspect: null,
    profile: { dlp: 'block', injection: 'block' },
    approval: null,
    critical: false,
  });
});

void test('github-read is for support-bot, GET, and /repos/acme/** only', () => {
  const cases: [string, ReturnType<typeof who> | null][] = [
    ['GET https://api.github.com/repos/acme/widgets', who('sales-bot')],
    ['GET https://api.github.com/repos/acme/widgets', null],
    ['DELETE https://api.github.com/repos/acme/widgets', bot],
    ['GET https://api.github.com/repos/acmex', bot],
    ['GET https://api.github.com/repos/other/x', bot],
    ['GET https://github.com/repos/acme/x', bot],
  ];
  for (const [line, w] of cases) {
    const d = decide(req(line), w, policy);
    assert.equal(d.outcome, 'deny', line);
    assert.equal(d.rule, 'default-deny', line);
    assert.equal(d.reason, 'no_rule_matched', line);
    assert.equal(d.credential, null);
  }
});

void test('tickets: create is allowed with its intent, delete is denied by rule, anything else by default', () => {
  const create = decide(req('POST https://tickets.acme.test/api/tickets'), null, policy);
  assert.equal(create.outcome, 'allow');
  assert.equal(create.rule, 'tickets-create');
  assert.equal(create.intent, 'ticket.create');

  const del = decide(req('DELETE https://tickets.acme.test/api/tickets/7'), bot, policy);
  assert.deepEqual([del.outcome, del.rule, del.reason, del.intent], ['deny', 'tickets-no-delete', 'rule_deny', null]);

  const get = decide(req('GET https://tickets.acme.test/api/tickets'), bot, policy);
  assert.deepEqual([get.outcome, get.rule, get.reason], ['deny', 'default-deny', 'no_rule_matched']);
});

void test('python-docs covers subdomains of python.org, not the apex', () => {
  assert.equal(decide(req('GET https://docs.python.org/3/library/'), null, policy).rule, 'python-docs');
  assert.equal(decide(req('GET http://a.b.python.org:8080/x'), null, policy).rule, 'python-docs');
  assert.equal(decide(req('GET https://python.org/'), null, policy).rule, 'default-deny');
  assert.equal(decide(req('GET https://notpython.org/'), null, policy).rule, 'default-deny');
});

void test('explain says why each earlier rule did not match', () => {
  const { decision, trace } = explain(req('DELETE https://tickets.acme.test/api/tickets/7'), bot, policy);
  assert.equal(decision.rule, 'tickets-no-delete');
  assert.deepEqual(
    trace.map((t) => [t.rule, t.result, t.why]),
    [
      [
        'github-read',
        'skipped',
        ['host tickets.acme.test not in [api.github.com]', 'method DELETE not in [GET]', 'path /api/tickets/7 not in [/repos/acme/**]'],
      ],
      ['tickets-create', 'skipped', ['method DELETE not in [POST]', 'path /api/tickets/7 not in [/api/tickets]']],
      ['tickets-no-delete', 'matched', []],
    ],
  );
});
