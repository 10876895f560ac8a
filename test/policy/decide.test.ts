import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyCompileError, compilePolicy } from '../../src/policy/compile.js';
import { decide } from '../../src/policy/decide.js';
import { explain } from '../../src/policy/explain.js';
import type { RuleSpec } from '../../src/policy/types.js';
import { req, who } from './helpers.js';

const V = 'v1';

void test('deny by default: no rules, no match', () => {
  const d = decide(req('GET https://a.test/'), who('x'), compilePolicy([], V));
  assert.deepEqual(d, {
    outcome: 'deny',
    rule: 'default-deny',
    reason: 'no_rule_matched',
    policyVersion: V,
    intent: null,
    credential: null,
    route: null,
    respond: null,
    headers: null,
    wouldDeny: [],
    inspect: null,
    profile: { dlp: 'block', injection: 'block' },
  });
});

void test('first matching enforce rule decides, in rule order across exact, wildcard and any-host rules', () => {
  const rules: RuleSpec[] = [
    { id: 'any-post', methods: ['POST'] },
    { id: 'wild', hosts: ['*.acme.test'], methods: ['GET'] },
    { id: 'exact', hosts: ['api.acme.test'] },
    { id: 'any', hosts: ['*'] },
  ];
  const p = compilePolicy(rules, V);
  assert.equal(decide(req('POST https://api.acme.test/'), null, p).rule, 'any-post');
  assert.equal(decide(req('GET https://api.acme.test/'), null, p).rule, 'wild');
  assert.equal(decide(req('PUT https://api.acme.test/'), null, p).rule, 'exact');
  assert.equal(decide(req('PUT https://other.test/'), null, p).rule, 'any');
  assert.deepEqual(
    p.byHost.candidates('api.acme.test').map((r) => r.id),
    ['any-post', 'wild', 'exact', 'any'],
  );
});

void test('a rule listing two matching hosts is a candidate once', () => {
  const p = compilePolicy([{ id: 'r', hosts: ['a.b.test', '*.b.test', '*.test'], action: 'deny', mode: 'report' }, { id: 'ok' }], V);
  assert.deepEqual(
    p.byHost.candidates('a.b.test').map((r) => r.id),
    ['r', 'ok'],
  );
  assert.deepEqual(decide(req('GET https://a.b.test/'), null, p).wouldDeny, ['r']);
});

void test('intent-scoped allow and deny on one host', () => {
  const p = compilePolicy(
    [
      { id: 'create', intent: 'ticket.create', hosts: ['t.test'], methods: ['POST'], paths: ['/api/tickets'] },
      { id: 'read', intent: 'ticket.read', hosts: ['t.test'], methods: ['GET'], paths: ['/api/tickets/*'] },
      { id: 'no-delete', intent: 'ticket.delete', hosts: ['t.test'], methods: ['DELETE'], action: 'deny' },
    ],
    V,
  );
  const c = decide(req('POST https://t.test/api/tickets'), null, p);
  assert.deepEqual([c.outcome, c.rule, c.intent, c.reason], ['allow', 'create', 'ticket.create', 'rule_allow']);
  const r = decide(req('GET https://t.test/api/tickets/42?full=1'), null, p);
  assert.deepEqual([r.outcome, r.rule, r.intent], ['allow', 'read', 'ticket.read']);
  const d = decide(req('DELETE https://t.test/api/tickets/42'), null, p);
  assert.deepEqual([d.outcome, d.rule, d.intent, d.reason], ['deny', 'no-delete', 'ticket.delete', 'rule_deny']);
  const x = decide(req('PATCH https://t.test/api/tickets/42'), null, p);
  assert.deepEqual([x.outcome, x.rule, x.intent], ['deny', 'default-deny', null]);
});

void test('report mode: a matching report deny is recorded and evaluation goes on; report allows are ignored', () => {
  const p = compilePolicy(
    [
      { id: 'watch-deletes', methods: ['DELETE'], action: 'deny', mode: 'report' },
      { id: 'trial-allow', hosts: ['a.test'], mode: 'report' },
      { id: 'watch-a', hosts: ['a.test'], action: 'deny', mode: 'report' },
      { id: 'allow-a', hosts: ['a.test'] },
      { id: 'after', hosts: ['a.test'], action: 'deny', mode: 'report' },
    ],
    V,
  );
  const d = decide(req('DELETE https://a.test/x'), null, p);
  assert.deepEqual([d.outcome, d.rule, d.wouldDeny], ['allow', 'allow-a', ['watch-deletes', 'watch-a']]);
  const g = decide(req('GET https://a.test/x'), null, p);
  assert.deepEqual(g.wouldDeny, ['watch-a'], 'report rules after the deciding rule are not evaluated');
  const other = decide(req('DELETE https://b.test/'), null, p);
  assert.deepEqual([other.outcome, other.rule, other.wouldDeny], ['deny', 'default-deny', ['watch-deletes']]);
  const only = decide(req('GET https://a.test/'), null, compilePolicy([{ id: 'trial', mode: 'report' }], V));
  assert.equal(only.rule, 'default-deny', 'a report-mode allow never allows');

  const { trace } = explain(req('DELETE https://a.test/x'), null, p);
  assert.deepEqual(
    trace.map((t) => [t.rule, t.result, t.mode]),
    [
      ['watch-deletes', 'matched', 'report'],
      ['trial-allow', 'matched', 'report'],
      ['watch-a', 'matched', 'report'],
      ['allow-a', 'matched', 'enforce'],
    ],
  );
});

void test('tenant isolation: a rule for one tenant never matches another tenant, whatever the agent name', () => {
  const p = compilePolicy(
    [
      { id: 'acme-bot', tenants: ['acme'], agents: ['bot'], hosts: ['api.test'], credential: { secret: 'acme_key', header: 'x-key', value: '{{secret}}' } },
      {
        id: 'globex-bot',
        tenants: ['globex'],
        agents: ['bot'],
        hosts: ['api.test'],
        credential: { secret: 'globex_key', header: 'x-key', value: '{{secret}}' },
      },
    ],
    V,
  );
  assert.equal(decide(req('GET https://api.test/'), who('bot', 'acme'), p).credential?.secret, 'acme_key');
  assert.equal(decide(req('GET https://api.test/'), who('bot', 'globex'), p).credential?.secret, 'globex_key');
  const stranger = decide(req('GET https://api.test/'), who('bot', 'initech'), p);
  assert.deepEqual([stranger.outcome, stranger.credential], ['deny', null]);
});

void test('no identity: rules with a who-matcher do not match; rules without one do', () => {
  const p = compilePolicy(
    [
      { id: 'agents', agents: ['*'], hosts: ['a.test'] },
      { id: 'tenants', tenants: ['*'], hosts: ['a.test'] },
      { id: 'labels', labels: {}, hosts: ['a.test'] },
      { id: 'anyone', hosts: ['a.test'], methods: ['GET'] },
    ],
    V,
  );
  assert.equal(decide(req('GET https://a.test/'), null, p).rule, 'anyone');
  assert.equal(decide(req('POST https://a.test/'), null, p).rule, 'default-deny');
  assert.equal(decide(req('POST https://a.test/'), who('x'), p).rule, 'agents');
  // The two-argument form (the proxy's, until it passes a principal) decides as anonymous.
  assert.equal(decide(req('GET https://a.test/'), p).rule, 'anyone');
  assert.equal(decide(req('POST https://a.test/'), p).rule, 'default-deny');
});

void test('allow decisions carry credential, route, respond and header rewrite; typed', () => {
  const p = compilePolicy(
    [
      {
        id: 'basic',
        hosts: ['b.test'],
        credential: { secret: 'env:PASS', basic: { username: 'svc' } },
        headers: { set: { 'User-Agent': 'sluice' }, remove: ['Cookie'] },
      },
      { id: 'query', hosts: ['q.test'], credential: { secret: 'maps', query: 'key' }, route: 'internal' },
      { id: 'ph', hosts: ['p.test'], credential: { secret: 'file:./tok', placeholder: { in: ['headers', 'body'] } } },
      { id: 'gone', hosts: ['g.test'], respond: { status: 410, headers: { 'Content-Type': 'text/plain' }, body: 'gone' } },
    ],
    V,
    ['internal'],
  );
  const b = decide(req('GET https://b.test/'), null, p);
  assert.deepEqual(b.credential, { type: 'basic', secret: 'env:PASS', username: 'svc' });
  assert.deepEqual(b.headers, { set: { 'user-agent': 'sluice' }, remove: ['cookie'] });
  const q = decide(req('GET https://q.test/'), null, p);
  assert.deepEqual([q.credential, q.route], [{ type: 'query', secret: 'maps', param: 'key' }, 'internal']);
  const ph = decide(req('GET https://p.test/'), null, p);
  assert.deepEqual(ph.credential, { type: 'placeholder', secret: 'file:./tok', placeholder: 'SLUICE_SECRET_file___tok', in: ['headers', 'body'] });
  const g = decide(req('GET https://g.test/'), null, p);
  assert.deepEqual(g.respond, { status: 410, headers: { 'content-type': 'text/plain' }, body: 'gone' });
});

void test('compilePolicy refuses what the config schema refuses, naming the rule', () => {
  const bad: [RuleSpec[], RegExp][] = [
    [[{ id: 'a' }, { id: 'a' }], /rule a: duplicate/],
    [[{ id: 'd', action: 'deny', credential: { secret: 's', query: 'k' } }], /rule d: 'credential' is only for allow rules/],
    [[{ id: 'r', respond: { status: 200 }, route: 'x' }], /cannot go with 'route' or 'credential'/],
    [
      [{ id: 'c', credential: { secret: 's', query: 'k', header: 'h', value: '{{secret}}' } }],
      /exactly one injection form \(header, basic, query, placeholder, oauth2, token_exchange, jwt, gcp, hmac, aws_sigv4\); got header and query/,
    ],
    [[{ id: 'v', credential: { secret: 's', header: 'h', value: 'no template' } }], /\{\{secret\}\}/],
    [[{ id: 'p', ports: ['9-1'] }], /rule p: range '9-1' runs backwards/],
    [[{ id: 'h', hosts: [] }], /hosts is empty/],
    [[{ id: 'rt', route: 'nope' }], /no route named 'nope'/],
  ];
  for (const [rules, why] of bad) {
    assert.throws(
      () => compilePolicy(rules, V, ['internal']),
      (err: unknown) => err instanceof PolicyCompileError && why.test(err.message),
    );
  }
});

void test('a decision carries its resolved inspection profile: the rule’s setting, else the config’s defaults', () => {
  const rules: RuleSpec[] = [
    { id: 'quiet', hosts: ['quiet.test'], inspect: { dlp: 'warn' } },
    { id: 'plain', hosts: ['plain.test'] },
    { id: 'no', hosts: ['no.test'], action: 'deny', inspect: { injection: 'off' } },
  ];
  const p = compilePolicy(rules, V, undefined, undefined, { dlp: 'redact', injection: 'strip' });
  const at = (host: string) => decide({ scheme: 'https', host, port: 443, method: 'GET', path: '/' }, null, p);
  assert.deepEqual(at('quiet.test').profile, { dlp: 'warn', injection: 'strip' });
  assert.deepEqual(at('plain.test').profile, { dlp: 'redact', injection: 'strip' });
  // A deny (a rule's, or the default) runs with the config's defaults; its rule's overrides are for what it allows.
  assert.deepEqual(at('no.test').profile, { dlp: 'redact', injection: 'strip' });
  assert.deepEqual(at('other.test').profile, { dlp: 'redact', injection: 'strip' });
  // Without defaults, the schema's own.
  assert.deepEqual(decide({ scheme: 'https', host: 'plain.test', port: 443, method: 'GET', path: '/' }, null, compilePolicy(rules, V)).profile, {
    dlp: 'block',
    injection: 'block',
  });
  assert.deepEqual(explain({ scheme: 'https', host: 'quiet.test', port: 443, method: 'GET', path: '/' }, null, p).decision.profile, {
    dlp: 'warn',
    injection: 'strip',
  });
});
