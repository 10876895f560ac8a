import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as explainCmd from '../../src/cli/explain.js';
import * as policyCmd from '../../src/cli/policy.js';
import { README_POLICY } from './helpers.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(cmd: typeof policyCmd | typeof explainCmd, argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await cmd.run(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

async function files(entries: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-policy-'));
  for (const [name, text] of Object.entries(entries)) await writeFile(join(dir, name), text);
  return dir;
}

const CASES = `cases:
  - name: support bot reads acme repos
    identity: { tenant: acme, agent: support-bot }
    request: GET https://api.github.com/repos/acme/widgets?page=2
    expect: { outcome: allow, rule: github-read, credential: github_token }
  - name: anonymous ticket create
    identity: null
    request: POST https://tickets.acme.test/api/tickets
    expect: { outcome: allow, rule: tickets-create, intent: ticket.create }
  - name: delete is denied
    request: DELETE https://tickets.acme.test/api/tickets/1
    expect: { outcome: deny, rule: tickets-no-delete, would_deny: [] }
  - name: wrong expectation
    identity: { tenant: acme, agent: sales-bot }
    request: GET https://api.github.com/repos/acme/widgets
    expect: { outcome: allow, rule: github-read, credential: github_token }
`;

void test('policy check: ok with rule count and version', async () => {
  const dir = await files({ 'sluice.yaml': README_POLICY });
  const r = await run(policyCmd, ['check', join(dir, 'sluice.yaml')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ok: 4 rules, version [0-9a-f]{12}\n$/);
  const viaFlag = await run(policyCmd, ['check', '--config', join(dir, 'sluice.yaml')]);
  assert.equal(viaFlag.out, r.out);
});

void test('policy check: problems with lines, exit 2', async () => {
  const dir = await files({ 'sluice.yaml': 'version: 1\nrules:\n  - id: a\n    methods: [GET]\n    action: deny\n    credential: { secret: x, query: k }\n' });
  const r = await run(policyCmd, ['check', join(dir, 'sluice.yaml')]);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /sluice\.yaml:6:17: rules\[0\]\.credential: a deny rule cannot have 'credential'/);
});

void test('policy test: one line per case, a summary, exit 1 when one fails', async () => {
  const dir = await files({ 'sluice.yaml': README_POLICY, 'cases.yaml': CASES });
  const r = await run(policyCmd, ['test', join(dir, 'cases.yaml'), '--config', join(dir, 'sluice.yaml')]);
  assert.equal(r.code, 1, r.err);
  assert.equal(
    r.out,
    [
      '✓ support bot reads acme repos',
      '✓ anonymous ticket create',
      '✓ delete is denied',
      '✗ wrong expectation: outcome: expected allow, got deny; rule: expected github-read, got default-deny; credential: expected github_token, got none (decided by default-deny, no_rule_matched)',
      '3 passed, 1 failed',
      '',
    ].join('\n'),
  );
  const passing = await files({ 'sluice.yaml': README_POLICY, 'cases.yaml': CASES.split('  - name: wrong')[0]! });
  const ok = await run(policyCmd, ['test', join(passing, 'cases.yaml'), '--config', join(passing, 'sluice.yaml')]);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /3 passed, 0 failed\n$/);
});

void test('policy test: a bad cases file is reported with lines, exit 2', async () => {
  const dir = await files({ 'sluice.yaml': README_POLICY, 'cases.yaml': 'cases:\n  - name: x\n    request: GET nope\n    expect: { outcome: allow }\n' });
  const r = await run(policyCmd, ['test', join(dir, 'cases.yaml'), '--config', join(dir, 'sluice.yaml')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /cases\.yaml:3:14: cases\[0\]\.request: expected an http:\/\/ or https:\/\/ URL; got 'nope'/);
});

void test('explain: the decision, then why each earlier rule did not match', async () => {
  const dir = await files({ 'sluice.yaml': README_POLICY });
  const config = join(dir, 'sluice.yaml');
  const r = await run(explainCmd, ['--agent', 'support-bot', '--tenant', 'acme', '--config', config, 'DELETE', 'https://tickets.acme.test/api/tickets/9']);
  assert.equal(r.code, explainCmd.EXIT_DENIED, r.err);
  const lines = r.out.split('\n');
  assert.deepEqual(lines.slice(0, 6), [
    'decision:   deny',
    'rule:       tickets-no-delete (rule_deny)',
    'identity:   tenant acme, agent support-bot, session explain',
    'intent:     -',
    'credential: -',
    'route:      -',
  ]);
  assert.match(r.out, /^policy: {5}[0-9a-f]{12}$/m);
  assert.ok(
    r.out.includes(
      [
        '#0 github-read: no match',
        '    - host tickets.acme.test not in [api.github.com]',
        '    - method DELETE not in [GET]',
        '    - path /api/tickets/9 not in [/repos/acme/**]',
      ].join('\n'),
    ),
  );
  assert.ok(
    r.out.includes(
      '#1 tickets-create: no match\n    - method DELETE not in [POST]\n    - path /api/tickets/9 not in [/api/tickets]\n#2 tickets-no-delete: matched: denies',
    ),
  );

  const allow = await run(explainCmd, ['--agent', 'support-bot', '--config', config, 'GET', 'https://api.github.com/repos/acme/x']);
  assert.equal(allow.code, 0, allow.err);
  assert.match(allow.out, /^credential: github_token \(secret github_token in header authorization: Bearer \{\{secret\}\}\)$/m);

  const anon = await run(explainCmd, ['--no-token', '--config', config, 'GET', 'https://api.github.com/repos/acme/x']);
  assert.equal(anon.code, explainCmd.EXIT_DENIED, anon.err);
  assert.match(anon.out, /^identity: {3}none$/m);
  assert.match(anon.out, /no identity; the rule is for agents \[support-bot\]/);
  assert.match(anon.out, /no enforce rule matched: deny by default\n/);
  // With identity required (the default), explain warns that a token-less request never reaches the rules.
  assert.match(anon.out, /note: identity\.required is on: .* 407 identity_required/);
});

void test('explain: usage errors', async () => {
  await assert.rejects(run(explainCmd, ['GET']), /expected METHOD URL/);
  await assert.rejects(
    run(explainCmd, ['--no-token', '--tenant', 'acme', 'GET', 'https://a.test/']),
    /--no-token explains a request without an identity; --tenant describes one/,
  );
  await assert.rejects(run(explainCmd, ['--agent', 'a', '--label', 'novalue', 'GET', 'https://a.test/']), /key=value/);
  await assert.rejects(run(policyCmd, ['frobnicate']), /unknown subcommand 'frobnicate'/);
});
