import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const CANARY = `canary-${randomBytes(12).toString('hex')}`;
const PH_CANARY = `phcanary-${randomBytes(12).toString('hex')}`;

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
}

describe('policy pipeline: three outcomes, report mode, intents, credentials, routes, respond, rewrite', () => {
  let pub: Upstream;
  let priv: Upstream;
  let g: TestGate;
  let bot: string;
  let other: string;

  before(async () => {
    pub = await startUpstream({ tls: true, names: ['api.github.com', 'tickets.acme.test', 'ph.acme.test'] });
    // The private service lives on an address the gate refuses unless a route names it.
    priv = await startUpstream({ tls: true, host: '127.0.0.3', names: ['127.0.0.3'] });
    const pki = await upstreamPki();
    g = await startTestGate(
      `
dns:
  hosts:
    api.github.com: 127.0.0.1
    tickets.acme.test: 127.0.0.1
    ph.acme.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
routes:
  internal:
    url: https://127.0.0.3:${priv.port}
    ca: ${pki.caFile}
rules:
  - id: report-github-writes
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
  - id: tickets-read
    hosts: [tickets.acme.test]
    methods: [GET]
    headers: { set: { user-agent: sluice-test }, remove: [cookie] }
  - id: internal-tickets
    hosts: [internal.acme.test]
    route: internal
  - id: parked
    hosts: [old.acme.test]
    respond: { status: 410, headers: { content-type: text/plain }, body: "this API moved to v2" }
  - id: ph
    hosts: [ph.acme.test]
    credential:
      secret: ph_token
      placeholder: { in: [headers, body] }
`,
      { secrets: { github_token: CANARY, ph_token: PH_CANARY } },
    );
    bot = await g.mint({ agent: 'support-bot' });
    other = await g.mint({ agent: 'intern-bot' });
  });
  after(async () => {
    await g.close();
    await pub.close();
    await priv.close();
  });

  async function curl(token: string, url: string, extra: string[] = []): Promise<{ status: number; body: string; decision: string }> {
    const proxy = g.url.replace('http://', `http://sluice:${token}@`);
    const r = await exec('curl', ['-sS', '--proxy', proxy, '--cacert', g.caFile, '-o', '-', '-w', '\n%{http_code} %header{x-sluice-decision}', ...extra, url]);
    assert.equal(r.code, 0, r.stderr);
    const cut = r.stdout.lastIndexOf('\n');
    const [status, decision] = r.stdout.slice(cut + 1).split(' ');
    return { status: Number(status), body: r.stdout.slice(0, cut), decision: decision ?? '' };
  }
  const recordOf = (id: string) => g.audit.records.find((r) => r.decision_id === id) ?? g.audit.records.at(-1)!;

  test('allowed with a credential: the upstream gets it, the agent never sees it even when echoed back', async () => {
    const before = pub.seen.length;
    const r = await curl(bot, `https://api.github.com:${pub.port}/repos/acme/widgets/echo`);
    assert.equal(r.status, 200);
    const arrived = pub.seen.slice(before).find((s) => s.url === '/repos/acme/widgets/echo');
    assert.equal(arrived?.headers.authorization, `Bearer ${CANARY}`);
    const echo = JSON.parse(r.body) as Echo;
    assert.equal(echo.headers.authorization, 'Bearer [REDACTED:sluice]');
    assert.ok(!r.body.includes(CANARY));
    const rec = g.audit.records.at(-1)!;
    assert.equal(rec.outcome, 'allow');
    assert.equal(rec.rule, 'github-read');
    assert.equal(rec.credential, 'github_token');
    assert.equal(rec.policy_version, g.gate.policyVersion);
    assert.ok(rec.findings.some((f) => f.type === 'reflected_secret'));
  });

  test('the same request by another agent is denied by default: who matters', async () => {
    const r = await curl(other, `https://api.github.com:${pub.port}/repos/acme/widgets/echo`);
    assert.equal(r.status, 403);
    assert.equal((JSON.parse(r.body) as { rule: string }).rule, 'default-deny');
  });

  test('allowed without a credential, and report mode: would_deny recorded, request let through', async () => {
    const r = await curl(bot, `https://api.github.com:${pub.port}/repos/acme/widgets/echo`, ['-X', 'POST', '--data', '{}']);
    assert.equal(r.status, 200);
    const echo = JSON.parse(r.body) as Echo;
    assert.equal(echo.headers.authorization, undefined, 'no credential on the write rule');
    const rec = g.audit.records.at(-1)!;
    assert.equal(rec.outcome, 'would_deny');
    assert.equal(rec.rule, 'report-github-writes');
    assert.equal(rec.reason, 'report_mode');
    assert.equal(rec.credential, null);
  });

  test('intent-scoped rules on one host: ticket.create allowed, ticket.delete denied', async () => {
    const create = await curl(other, `https://tickets.acme.test:${pub.port}/api/tickets`, ['-X', 'POST', '--data', 'title=x']);
    assert.equal(create.status, 200);
    assert.equal(recordOf(create.decision).intent, 'ticket.create');
    assert.equal(recordOf(create.decision).rule, 'tickets-create');
    const del = await curl(other, `https://tickets.acme.test:${pub.port}/api/tickets/7`, ['-X', 'DELETE']);
    assert.equal(del.status, 403);
    const body = JSON.parse(del.body) as { error: string; rule: string };
    assert.equal(body.error, 'policy_denied');
    assert.equal(body.rule, 'tickets-no-delete');
    const rec = recordOf(del.decision);
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'rule_deny');
    assert.equal(rec.intent, 'ticket.delete');
  });

  test('headers rewrite: cookie removed, user-agent set, names recorded', async () => {
    const r = await curl(other, `https://tickets.acme.test:${pub.port}/echo`, ['-H', 'Cookie: session=abc', '-H', 'User-Agent: agent/1']);
    const echo = JSON.parse(r.body) as Echo;
    assert.equal(echo.headers.cookie, undefined);
    assert.equal(echo.headers['user-agent'], 'sluice-test');
    assert.deepEqual([...recordOf(r.decision).rewritten].sort(), ['cookie', 'user-agent']);
  });

  test('route: the public-looking name reaches the private upstream; the private address asked for directly is ssrf_blocked', async () => {
    const before = priv.seen.length;
    const r = await curl(other, 'https://internal.acme.test/echo');
    assert.equal(r.status, 200, r.body);
    assert.equal(priv.seen.length, before + 1);
    assert.equal((JSON.parse(r.body) as Echo).headers.host, `127.0.0.3:${priv.port}`);
    assert.equal(recordOf(r.decision).route, 'internal');
    assert.equal(recordOf(r.decision).address, '127.0.0.3');
    const direct = await curl(other, `https://127.0.0.3:${priv.port}/echo`);
    assert.equal(direct.status, 403);
    assert.equal((JSON.parse(direct.body) as { error: string }).error, 'ssrf_blocked');
    assert.equal(priv.seen.length, before + 1);
  });

  test('respond: the gate answers with the rule body and contacts no one', async () => {
    const r = await curl(other, 'https://old.acme.test/v1/anything');
    assert.equal(r.status, 410);
    assert.equal(r.body, 'this API moved to v2');
    const rec = recordOf(r.decision);
    assert.equal(rec.synthesised, true);
    assert.equal(rec.rule, 'parked');
    assert.equal(rec.address, null);
  });

  test('placeholder swap: the real value replaces the placeholder only where the rule allows', async () => {
    const r = await curl(other, `https://ph.acme.test:${pub.port}/echo`, ['-H', 'X-Api-Key: SLUICE_SECRET_ph_token']);
    assert.equal(r.status, 200);
    assert.equal(pub.seen.at(-1)?.headers['x-api-key'], PH_CANARY);
    assert.ok(!r.body.includes(PH_CANARY), 'the echoed value is scrubbed');
    // The same placeholder sent to a host whose rule injects nothing is refused, not forwarded.
    const before = pub.seen.length;
    const bad = await curl(other, `https://tickets.acme.test:${pub.port}/echo`, ['-H', 'X-Api-Key: SLUICE_SECRET_ph_token']);
    assert.equal(bad.status, 403);
    assert.equal((JSON.parse(bad.body) as { error: string }).error, 'placeholder_denied');
    assert.equal(pub.seen.length, before);
  });

  test('canaries: no secret value in any log line or audit record', () => {
    const logs = JSON.stringify(g.logs);
    const audit = JSON.stringify(g.audit.records);
    for (const c of [CANARY, PH_CANARY, Buffer.from(CANARY).toString('base64')]) {
      assert.ok(!logs.includes(c), 'log');
      assert.ok(!audit.includes(c), 'audit');
    }
  });
});
