/**
 * One policy with every outcome, driven through `sluice run` with curl and Python's
 * urllib against a gate from `sluice start`, then read back with `sluice audit query`
 * (JSON and table, with filters). The in-process twin is test/proxy/policy-pipeline.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, checkedVersion, runClient, startVersionOf, waitFor, type ClientResult } from '../helpers/cli-e2e.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const CANARY = `canary-${randomBytes(12).toString('hex')}`;

const POLICY = `  - id: report-github-writes
    hosts: [api.github.com]
    methods: [POST]
    action: deny
    mode: report
  - id: github-read
    agents: [support-bot]
    hosts: [api.github.com]
    methods: [GET]
    paths: ["/repos/acme/**"]
    credential:
      secret: github_token
      header: authorization
      value: "Bearer {{secret}}"
  - id: github-write
    agents: [support-bot]
    hosts: [api.github.com]
    methods: [POST]
  - id: tickets-create
    intent: ticket.create
    hosts: [tickets.acme.test]
    methods: [POST]
    paths: ["/api/tickets"]
  - id: tickets-no-delete
    intent: ticket.delete
    hosts: [tickets.acme.test]
    methods: [DELETE]
    action: deny
  - id: python-docs
    hosts: ["*.python.org"]
`;

/** What each request should leave in the audit trail. */
interface Expected {
  name: string;
  agent: string;
  client: 'curl' | 'python';
  method: string;
  path: string;
  host: string;
  body?: string;
  status: number;
  outcome: AuditRecord['outcome'];
  rule: string;
  reason: string;
  credential: string | null;
  intent: string | null;
}

const CASES: readonly Expected[] = [
  {
    name: 'allow with a credential',
    agent: 'support-bot',
    client: 'curl',
    method: 'GET',
    host: 'api.github.com',
    path: '/repos/acme/widgets/echo',
    status: 200,
    outcome: 'allow',
    rule: 'github-read',
    reason: 'rule_allow',
    credential: 'github_token',
    intent: null,
  },
  {
    name: 'report mode: would_deny, let through',
    agent: 'support-bot',
    client: 'python',
    method: 'POST',
    host: 'api.github.com',
    path: '/repos/acme/widgets/echo',
    body: '{}',
    status: 200,
    outcome: 'would_deny',
    rule: 'report-github-writes',
    reason: 'report_mode',
    credential: null,
    intent: null,
  },
  {
    name: 'intent ticket.create allowed',
    agent: 'intern-bot',
    client: 'python',
    method: 'POST',
    host: 'tickets.acme.test',
    path: '/api/tickets',
    body: 'title=x',
    status: 200,
    outcome: 'allow',
    rule: 'tickets-create',
    reason: 'rule_allow',
    credential: null,
    intent: 'ticket.create',
  },
  {
    name: 'intent ticket.delete denied',
    agent: 'intern-bot',
    client: 'curl',
    method: 'DELETE',
    host: 'tickets.acme.test',
    path: '/api/tickets/7',
    status: 403,
    outcome: 'deny',
    rule: 'tickets-no-delete',
    reason: 'rule_deny',
    credential: null,
    intent: 'ticket.delete',
  },
  {
    name: 'no rule for this agent: default deny',
    agent: 'intern-bot',
    client: 'curl',
    method: 'GET',
    host: 'api.github.com',
    path: '/repos/acme/widgets',
    status: 403,
    outcome: 'deny',
    rule: 'default-deny',
    reason: 'no_rule_matched',
    credential: null,
    intent: null,
  },
  {
    name: 'allow without a credential (wildcard host)',
    agent: 'intern-bot',
    client: 'curl',
    method: 'GET',
    host: 'docs.python.org',
    path: '/3/',
    status: 200,
    outcome: 'allow',
    rule: 'python-docs',
    reason: 'rule_allow',
    credential: null,
    intent: null,
  },
];

/** `sluice audit query` table → one object per row, keyed by the lower-cased header. */
function parseTable(text: string): Record<string, string>[] {
  const [head, ...rows] = text.split('\n').filter((l) => l !== '');
  assert.ok(head, 'a header line');
  const cols = head
    .trim()
    .split(/\s+/)
    .map((c) => c.toLowerCase());
  return rows.map((row) => {
    const cells = row.trim().split(/\s+/);
    assert.equal(cells.length, cols.length, `row ${JSON.stringify(row)}`);
    return Object.fromEntries(cols.map((c, i) => [c, cells[i]!]));
  });
}

describe('policy e2e: allow / deny / would_deny and intents through sluice run, read back with sluice audit query', () => {
  let up: Upstream;
  let d: InitDir;
  let gate: CliGate | undefined;
  let version: string;
  /** The client's result for each case, by case name. */
  const results = new Map<string, ClientResult>();
  /** The audit record for each case (matched by the run's session id). */
  const records = new Map<string, AuditRecord>();

  before(async () => {
    const pki = await upstreamPki();
    up = await startUpstream({ tls: true, names: ['api.github.com', 'tickets.acme.test', 'docs.python.org'] });
    d = await initDir(`${POLICY}dns:
  hosts:
    api.github.com: 127.0.0.1
    tickets.acme.test: 127.0.0.1
    docs.python.org: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${pki.caFile}
`);
    const set = await sluice(['secret', 'set', 'github_token', '--config', d.configFile], { input: CANARY });
    assert.equal(set.code, 0, set.stderr);
    gate = await startCliGate(d.configFile);
    version = startVersionOf(gate);
  });
  after(async () => {
    await gate?.stop();
    await up?.close();
  });

  test('each request gets the answer its rule says (curl and python urllib under sluice run)', async () => {
    // In parallel: every run is its own session, which is how the records are told apart.
    await Promise.all(
      CASES.map(async (c) => {
        const r = await runClient(gate!, d.configFile, { agent: c.agent }, c.client, c.method, `https://${c.host}:${up.port}${c.path}`, c.body);
        results.set(c.name, r);
      }),
    );
    for (const c of CASES) {
      const r = results.get(c.name)!;
      assert.equal(r.status, c.status, `${c.name}: ${r.body}`);
      if (c.status === 403) {
        const body = JSON.parse(r.body) as { error: string; rule: string };
        assert.equal(body.error, 'policy_denied', c.name);
        assert.equal(body.rule, c.rule, c.name);
      }
    }
    // The credential went upstream only on the credentialed rule.
    const withAuth = up.seen.filter((s) => s.headers.authorization !== undefined);
    assert.deepEqual(
      withAuth.map((s) => [s.method, s.url, s.headers.authorization]),
      [['GET', '/repos/acme/widgets/echo', `Bearer ${CANARY}`]],
    );
    assert.ok(!results.get(CASES[0]!.name)!.body.includes(CANARY), 'the echoed credential is scrubbed');
    // Denied requests never reached the upstream; allowed and report-mode ones did.
    assert.equal(up.seen.length, CASES.filter((c) => c.status === 200).length);
  });

  test('sluice audit query --json: one record per request with outcome, rule, reason, intent, credential name and policy version', async () => {
    const sessions = new Map([...results].map(([name, r]) => [r.session, name]));
    const all = await waitFor('a record for every run in audit.db', async () => {
      const got = await auditQuery(d.configFile);
      return got.filter((a) => a.session !== null && sessions.has(a.session)).length >= CASES.length ? got : undefined;
    });
    for (const a of all) if (a.session !== null && sessions.has(a.session)) records.set(sessions.get(a.session)!, a);
    assert.equal(all.length, CASES.length, 'exactly one record per request');
    assert.equal(version, await checkedVersion(d.configFile));
    for (const c of CASES) {
      const a = records.get(c.name)!;
      assert.deepEqual(
        {
          outcome: a.outcome,
          rule: a.rule,
          reason: a.reason,
          credential: a.credential,
          intent: a.intent,
          agent: a.agent,
          method: a.method,
          host: a.host,
          path: a.path,
          status: a.status,
          policy_version: a.policy_version,
        },
        {
          outcome: c.outcome,
          rule: c.rule,
          reason: c.reason,
          credential: c.credential,
          intent: c.intent,
          agent: c.agent,
          method: c.method,
          host: c.host,
          path: c.path,
          status: c.status,
          policy_version: version,
        },
        c.name,
      );
      assert.match(a.decision_id, /^[0-9a-f-]{36}$/);
    }
  });

  test('--outcome filters: deny, would_deny, and deny+would_deny', async () => {
    const deny = await auditQuery(d.configFile, ['--outcome', 'deny']);
    assert.deepEqual(deny.map((a) => a.rule).sort(), ['default-deny', 'tickets-no-delete']);
    assert.ok(deny.every((a) => a.outcome === 'deny'));
    const would = await auditQuery(d.configFile, ['--outcome', 'would_deny']);
    assert.deepEqual(
      would.map((a) => [a.rule, a.agent]),
      [['report-github-writes', 'support-bot']],
    );
    const both = await auditQuery(d.configFile, ['--outcome', 'deny', '--outcome', 'would_deny']);
    assert.equal(both.length, 3);
    const bad = await sluice(['audit', 'query', '--outcome', 'denied', '--config', d.configFile]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--outcome: expected one of allow, deny, error, would_deny/);
  });

  test('--agent filters, alone and with --outcome; --since bounds the time', async () => {
    const intern = await auditQuery(d.configFile, ['--agent', 'intern-bot']);
    assert.equal(intern.length, CASES.filter((c) => c.agent === 'intern-bot').length);
    assert.ok(intern.every((a) => a.agent === 'intern-bot'));
    const bot = await auditQuery(d.configFile, ['--agent', 'support-bot', '--outcome', 'allow']);
    assert.deepEqual(
      bot.map((a) => a.rule),
      ['github-read'],
    );
    assert.equal((await auditQuery(d.configFile, ['--agent', 'nobody-bot'])).length, 0);
    assert.equal((await auditQuery(d.configFile, ['--since', '1h'])).length, CASES.length);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal((await auditQuery(d.configFile, ['--since', future])).length, 0);
  });

  test('the table form shows outcome, rule and policy version for every request', async () => {
    const r = await sluice(['audit', 'query', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    const rows = parseTable(r.stdout);
    assert.equal(rows.length, CASES.length);
    for (const c of CASES) {
      const a = records.get(c.name)!;
      const row = rows.find((x) => x.decision_id === a.decision_id);
      assert.ok(row, `${c.name}: no row for ${a.decision_id}\n${r.stdout}`);
      assert.equal(row.outcome, c.outcome, c.name);
      assert.equal(row.rule, c.rule, c.name);
      assert.equal(row.policy_version, version, c.name);
      assert.equal(row.credential, c.credential ?? '-', c.name);
      assert.equal(row.agent, c.agent, c.name);
    }
    const denied = parseTable((await sluice(['audit', 'query', '--outcome', 'deny', '--config', d.configFile])).stdout);
    assert.deepEqual(
      denied.map((x) => x.outcome),
      ['deny', 'deny'],
    );
    assert.ok(!r.stdout.includes(CANARY));
  });
});
