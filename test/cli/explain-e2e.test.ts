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
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^decision: +deny$/m);
    assert.match(r.stdout, /^rule: +tickets-no-delete \(rule_deny\)$/m);
    assert.match(r.stdout, /^credential: +-$/m);
    assert.match(r.stdout, new RegExp(`^policy: +${version}$`, 'm'));

    const trace = r.stdout.slice(r.stdout.indexOf('\n#0 ') + 1);
    const blocks = trace.split(/\n(?=#\d )/);
    assert.equal(blocks.length, 3, `rules after the deciding one are not evaluated:\n${trace}`);
    const [github, create, del] = blocks as [string, string, string];
    assert.match(github, /^#0 github-read: no match$/m);
    for (const why of [
      'host tickets.acme.test not in [api.github.com]',
      'method DELETE not in [GET]',
      'agent intern-bot not in [support-bot]',
      'path /api/tickets/1 not in [/repos/acme/**]',
    ]) {
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

/** MCP tool rules beside the server's HTTP rule, and the mcp: section naming the server. */
const MCP_POLICY = `  - id: tickets-http
    hosts: [mcp.tickets.example]
    methods: [POST]
  - id: tickets-create
    intent: ticket.create
    mcp: { servers: [tickets], tools: [tickets.create] }
  - id: trial-no-search
    mode: report
    action: deny
    mcp: { tools: [tickets.search] }
  - id: tickets-no-delete
    action: deny
    mcp: { servers: [tickets], tools: [tickets.delete] }
  - id: fs-workspace
    agents: [coder]
    mcp:
      servers: ["*.fs.internal"]
      tools: ["fs.*"]
      args: [{ path: path, under: /workspace/ }]
mcp:
  servers:
    tickets:
      hosts: [mcp.tickets.example]
      paths: ["/mcp"]
`;

describe('explain e2e: sluice explain --mcp-server --tool decides MCP tool calls', () => {
  let d: InitDir;
  before(async () => {
    d = await initDir(MCP_POLICY);
  });

  test('tickets.create is allowed and tickets.delete denied on the same server, each with its trace', async () => {
    const ok = await sluice(['explain', '--agent', 'intern-bot', '--mcp-server', 'tickets', '--tool', 'tickets.create', '--config', d.configFile]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^decision: +allow$/m);
    assert.match(ok.stdout, /^rule: +tickets-create \(rule_allow\)$/m);
    assert.match(ok.stdout, /^server: +tickets \(mcp\.tickets\.example\)$/m);
    assert.match(ok.stdout, /^intent: +ticket\.create$/m);
    assert.match(ok.stdout, /^listed: +yes$/m);
    assert.match(ok.stdout, /^#1 tickets-create: matched: allows$/m, 'numbered by the rule’s place in rules:');

    const no = await sluice(['explain', '--agent', 'intern-bot', '--mcp-server', 'tickets', '--tool', 'tickets.delete', '--config', d.configFile]);
    assert.equal(no.code, 3, no.stderr);
    assert.match(no.stdout, /^decision: +deny$/m);
    assert.match(no.stdout, /^rule: +tickets-no-delete \(rule_deny\)$/m);
    assert.match(no.stdout, /^intent: +tickets\.delete$/m);
    assert.match(no.stdout, /^listed: +no \(hidden from tools\/list/m);
    const trace = no.stdout.slice(no.stdout.indexOf('\n#') + 1);
    assert.deepEqual(trace.trim().split('\n'), [
      '#1 tickets-create: no match',
      '    - tool tickets.delete not in [tickets.create]',
      '#2 trial-no-search: no match, report mode',
      '    - tool tickets.delete not in [tickets.search]',
      '#3 tickets-no-delete: matched: denies',
    ]);
    assert.ok(!no.stdout.includes('tickets-http'), 'HTTP rules take no part in tool decisions');
  });

  test('argument conditions and agent-specific rules; the argument value is never printed', async () => {
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    const args = JSON.stringify({ path: `/workspace/../etc/${canary}` });
    const r = await sluice(['explain', '--agent', 'coder', '--mcp-server', 'eu.fs.internal', '--tool', 'fs.read', '--args', args, '--config', d.configFile]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^decision: +deny$/m);
    assert.match(r.stdout, /^rule: +default-deny \(no_rule_matched\)$/m);
    assert.match(r.stdout, /^#4 fs-workspace: no match\n {4}- argument path is not under \/workspace$/m);
    assert.match(r.stdout, /^no enforce MCP rule matched: deny by default \(mcp\.default\)$/m);
    assert.ok(!r.stdout.includes(canary));

    const ok = await sluice([
      'explain',
      '--agent',
      'coder',
      '--mcp-server',
      'eu.fs.internal',
      '--tool',
      'fs.read',
      '--args',
      '{"path":"/workspace/src/a.ts"}',
      '--config',
      d.configFile,
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^rule: +fs-workspace \(rule_allow\)$/m);
    const other = await sluice([
      'explain',
      '--agent',
      'intern-bot',
      '--mcp-server',
      'eu.fs.internal',
      '--tool',
      'fs.read',
      '--args',
      '{"path":"/workspace/src/a.ts"}',
      '--config',
      d.configFile,
    ]);
    assert.equal(other.code, 3, other.stderr);
    assert.match(other.stdout, /^rule: +default-deny/m);
    assert.match(other.stdout, /^ {4}- agent intern-bot not in \[coder\]$/m);
  });

  test('report mode: a matching report-mode deny is shown as would deny, and the server is named from its URL', async () => {
    const r = await sluice([
      'explain',
      '--agent',
      'intern-bot',
      '--mcp-server',
      'https://mcp.tickets.example/mcp',
      '--tool',
      'tickets.search',
      '--config',
      d.configFile,
    ]);
    // Report mode only records; no enforce rule allows tickets.search, so the call is refused.
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^decision: +deny$/m);
    assert.match(r.stdout, /^server: +tickets \(mcp\.tickets\.example\)$/m);
    assert.match(r.stdout, /^would deny: +trial-no-search \(report mode\)$/m);
    assert.match(r.stdout, /^#2 trial-no-search: matched, report mode: would deny; evaluation goes on$/m);
    // Off the configured path the host is not the named server.
    const off = await sluice([
      'explain',
      '--agent',
      'intern-bot',
      '--mcp-server',
      'https://mcp.tickets.example/admin',
      '--tool',
      'tickets.create',
      '--config',
      d.configFile,
    ]);
    assert.equal(off.code, 3, off.stderr);
    assert.match(off.stdout, /^server: +mcp\.tickets\.example \(no name in mcp\.servers\)$/m);
    assert.match(off.stdout, /^rule: +default-deny/m);
  });

  test('the HTTP form points at the tool form for a configured MCP server', async () => {
    const r = await sluice(['explain', '--agent', 'intern-bot', 'POST', 'https://mcp.tickets.example/mcp', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^rule: +tickets-http \(rule_allow\)$/m);
    assert.match(r.stdout, /^note: this is MCP server 'tickets' \(mcp\.servers\)/m);
    assert.ok(!/^#\d+ tickets-create/m.test(r.stdout), 'tool rules take no part in HTTP decisions');
  });

  test('called wrongly: exit 2 with what was expected', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--tool', 'tickets.create'], /expected both --mcp-server S and --tool T/],
      [['--mcp-server', 'tickets', '--tool', 'x', '--args', '[1]'], /--args takes a JSON object .*; got a list/],
      [['--mcp-server', 'tickets', '--tool', 'x', '--args', '{bad'], /--args takes a JSON object/],
      [['--mcp-server', 'tickets', '--tool', 'x', 'GET', 'https://a.test/'], /the tool form takes no METHOD URL/],
      [['--mcp-server', 'not a host', '--tool', 'x'], /is not a server name from mcp\.servers, a host, or a URL/],
    ];
    for (const [args, why] of cases) {
      const r = await sluice(['explain', ...args, '--config', d.configFile]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, why, args.join(' '));
    }
  });
});
