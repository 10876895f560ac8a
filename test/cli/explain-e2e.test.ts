/**
 * The operator's offline tools on the README's example policy, run as the real CLI:
 * `sluice policy check`, `sluice policy test CASES.yaml` (passing table and a wrong
 * expectation), and `sluice explain` for an allow and for a deny with the trace of
 * every earlier rule. No gate runs: these commands decide without sending anything.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { initDir, sluice, type InitDir } from '../helpers/cli.js';
import { checkedVersion } from '../helpers/cli-e2e.js';
import { README_POLICY as SHARED_README_POLICY } from '../policy/helpers.js';

// The README's example policy (one shared fixture), as rules to append to the starter config's `rules:`.
const README_POLICY = SHARED_README_POLICY.slice(SHARED_README_POLICY.indexOf('  - id: '));

/** One case per rule (and per way of missing one), every expectation right. */
const GOOD_CASES = `cases:
  - name: support bot reads acme repos with the github token
    identity: { tenant: acme, agent: support-bot }
    request: GET https://api.github.com/repos/acme/widgets
    expect: { outcome: allow, rule: github-read, credential: github_token }
  - name: another agent cannot
    identity: { tenant: acme, agent: intern-bot }
    request: GET https://api.github.com/repos/acme/widgets
    expect: { outcome: deny, rule: default-deny }
  - name: support bot cannot write to github
    identity: { tenant: acme, agent: support-bot }
    request: POST https://api.github.com/repos/acme/widgets
    expect: { outcome: deny, rule: default-deny }
  - name: support bot cannot read another org
    identity: { tenant: acme, agent: support-bot }
    request: GET https://api.github.com/repos/evil/widgets
    expect: { outcome: deny, rule: default-deny }
  - name: anyone creates a ticket
    identity: { tenant: acme, agent: intern-bot }
    request: POST https://tickets.acme.test/api/tickets
    expect: { outcome: allow, rule: tickets-create, intent: ticket.create }
  - name: nobody deletes one
    identity: { tenant: acme, agent: support-bot }
    request: DELETE https://tickets.acme.test/api/tickets/1
    expect: { outcome: deny, rule: tickets-no-delete }
  - name: python docs
    identity: { tenant: acme, agent: intern-bot }
    request: GET https://docs.python.org/3/library/
    expect: { outcome: allow, rule: python-docs }
  - name: the python.org apex is not *.python.org
    identity: { tenant: acme, agent: intern-bot }
    request: GET https://python.org/
    expect: { outcome: deny, rule: default-deny }
`;

const WRONG_CASES = `cases:
  - name: creating a ticket is allowed
    identity: { tenant: acme, agent: intern-bot }
    request: POST https://tickets.acme.test/api/tickets
    expect: { outcome: allow, rule: tickets-create }
  - name: deleting a ticket is allowed (wrong on purpose)
    identity: { tenant: acme, agent: intern-bot }
    request: DELETE https://tickets.acme.test/api/tickets/1
    expect: { outcome: allow, rule: tickets-create }
`;

describe('explain e2e: sluice policy check, sluice policy test and sluice explain on the README policy', () => {
  let d: InitDir;
  let version: string;
  const canary = `canary-${randomBytes(12).toString('hex')}`;

  before(async () => {
    d = await initDir(README_POLICY);
    // A real secret in the store: explain names it, and must never print its value.
    const set = await sluice(['secret', 'set', 'github_token', '--config', d.configFile], { input: canary });
    assert.equal(set.code, 0, set.stderr);
  });

  test('sluice policy check: ok, 4 rules, and a version', async () => {
    const r = await sluice(['policy', 'check', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok: 4 rules, version [0-9a-f]{12}$/m);
    version = await checkedVersion(d.configFile);
  });

  test('sluice policy test: a table covering every rule passes (exit 0)', async () => {
    const cases = join(d.dir, 'cases.yaml');
    await writeFile(cases, GOOD_CASES);
    const r = await sluice(['policy', 'test', cases, '--config', d.configFile]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.filter((l) => l.startsWith('✓ ')).length, 8, r.stdout);
    assert.equal(lines.at(-1), '8 passed, 0 failed');
  });

  test('sluice policy test: a wrong expectation fails (exit 1) and prints the mismatch', async () => {
    const cases = join(d.dir, 'wrong.yaml');
    await writeFile(cases, WRONG_CASES);
    const r = await sluice(['policy', 'test', cases, '--config', d.configFile]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^✓ creating a ticket is allowed$/m);
    const bad = /^✗ deleting a ticket is allowed \(wrong on purpose\): (.*)$/m.exec(r.stdout);
    assert.ok(bad, r.stdout);
    // What was expected, what was decided, and by which rule.
    assert.match(bad[1]!, /\boutcome: expected allow, got deny\b/);
    assert.match(bad[1]!, /\brule: expected tickets-create, got tickets-no-delete\b/);
    assert.match(bad[1]!, /\(decided by tickets-no-delete, rule_deny\)$/);
    assert.match(r.stdout, /^1 passed, 1 failed$/m);
  });

  test('sluice explain: support-bot GET api.github.com/repos/acme/x → allow by github-read, with the credential’s name', async () => {
    const r = await sluice(['explain', '--agent', 'support-bot', 'GET', 'https://api.github.com/repos/acme/x', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^decision: +allow$/m);
    assert.match(r.stdout, /^rule: +github-read \(rule_allow\)$/m);
    assert.match(r.stdout, /^credential: +github_token \(.*header authorization.*\)$/m);
    assert.match(r.stdout, new RegExp(`^policy: +${version}$`, 'm'));
    assert.match(r.stdout, /^#0 github-read: matched: allows$/m);
    assert.ok(!r.stdout.includes(canary), 'the secret’s value is never printed');
  });

  test('sluice explain: intern-bot DELETE tickets.acme.test/api/tickets/1 → deny by tickets-no-delete, and why each earlier rule missed', async () => {
    const r = await sluice(['explain', '--agent', 'intern-bot', 'DELETE', 'https://tickets.acme.test/api/tickets/1', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^decision: +deny$/m);
    assert.match(r.stdout, /^rule: +tickets-no-delete \(rule_deny\)$/m);
    assert.match(r.stdout, /^credential: +-$/m);
    assert.match(r.stdout, new RegExp(`^policy: +${version}$`, 'm'));

    const trace = r.stdout.slice(r.stdout.indexOf('\n#0 ') + 1);
    const blocks = trace.split(/\n(?=#\d )/);
    assert.equal(blocks.length, 3, `rules after the deciding one are not evaluated:\n${trace}`);
    const [github, create, del] = blocks as [string, string, string];
    assert.match(github, /^#0 github-read: no match$/m);
    for (const why of ['host tickets.acme.test not in [api.github.com]', 'method DELETE not in [GET]', 'agent intern-bot not in [support-bot]', 'path /api/tickets/1 not in [/repos/acme/**]']) {
      assert.ok(github.includes(`    - ${why}`), `github-read: missing '${why}'\n${github}`);
    }
    assert.match(create, /^#1 tickets-create: no match$/m);
    for (const why of ['method DELETE not in [POST]', 'path /api/tickets/1 not in [/api/tickets]']) {
      assert.ok(create.includes(`    - ${why}`), `tickets-create: missing '${why}'\n${create}`);
    }
    assert.ok(!create.includes('host '), 'the host did match tickets-create');
    assert.match(del, /^#2 tickets-no-delete: matched: denies\s*$/);
    assert.ok(!r.stdout.includes('python-docs'));
  });

  test('sluice explain agrees with sluice policy test on the ticket.create intent', async () => {
    const r = await sluice(['explain', '--agent', 'intern-bot', 'POST', 'https://tickets.acme.test/api/tickets', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^decision: +allow$/m);
    assert.match(r.stdout, /^rule: +tickets-create \(rule_allow\)$/m);
    assert.match(r.stdout, /^intent: +ticket\.create$/m);
  });
});
