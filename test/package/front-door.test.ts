/**
 * The library's front door, imported as a user imports it: by the package's name.
 * Node resolves `sluice` to this package itself through package.json `exports`
 * (self-reference), so a wrong `exports` target, a missing dist/src/index.js or an
 * API that drifted from docs/library.md fails here.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ConfigError,
  MemoryAuditSink,
  REFUSALS,
  decide,
  explain,
  initDataDir,
  issueToken,
  loadConfig,
  loadSigningKey,
  policyFromConfig,
  proxyUrlFor,
  refusalOfSluiceCode,
  startGate,
  type ConfigInput,
  type Gate,
  type Principal,
  type RequestFacts,
} from 'sluice';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One absolute-form request through the proxy URL an agent is given, with Node's http client. */
function viaProxy(proxyUrl: string, target: string, method = 'GET'): Promise<Answer> {
  const proxy = new URL(proxyUrl);
  const auth = Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64');
  return new Promise((resolve, reject) => {
    const req = request({ host: proxy.hostname, port: proxy.port, method, path: target, headers: { 'proxy-authorization': `Basic ${auth}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe("the front door, imported as 'sluice'", () => {
  const seen: string[] = [];
  let upstream: Server;
  let origin: string;
  let dir: string;
  let config: ConfigInput;
  let gate: Gate;
  let audit: MemoryAuditSink;
  let proxyUrl: string;
  let who: Principal;

  before(async () => {
    upstream = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end('hello from upstream\n');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    origin = `http://api.upstream.test:${(upstream.address() as AddressInfo).port}`;

    dir = await mkdtemp(join(tmpdir(), 'sluice-lib-'));
    await initDataDir(dir);
    config = {
      version: 1,
      listen: '127.0.0.1:0',
      log: { level: 'silent' },
      dns: { hosts: { 'api.upstream.test': '127.0.0.1' } },
      network: { allow_private: ['127.0.0.1/32'] },
      rules: [
        { id: 'no-admin', hosts: ['api.upstream.test'], paths: ['/admin/**'], action: 'deny' },
        { id: 'upstream-read', hosts: ['api.upstream.test'], methods: ['GET'] },
      ],
    };
    audit = new MemoryAuditSink();
    gate = await startGate({ config, dir, audit });
    const issued = await issueToken(await loadSigningKey(dir), { tenant: 'acme', agent: 'lib-test' });
    who = issued.principal;
    proxyUrl = proxyUrlFor(gate, issued.token);
  });

  after(async () => {
    await gate?.close();
    await new Promise((resolve) => upstream?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("'sluice' resolves to this package's dist/src/index.js through package.json exports", () => {
    assert.equal(import.meta.resolve('sluice'), new URL('../../src/index.js', import.meta.url).href);
  });

  test('the proxy URL carries the token as the password of user sluice, at the address the gate listens on', () => {
    const u = new URL(proxyUrl);
    assert.equal(u.username, 'sluice');
    assert.ok(u.password.length > 20);
    assert.equal(`${u.protocol}//${u.host}`, gate.url);
    assert.notEqual(gate.address.port, 0);
  });

  test('an allowed request reaches the upstream, and its audit record agrees with decide()', async () => {
    const r = await viaProxy(proxyUrl, `${origin}/hello`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello from upstream\n');
    assert.deepEqual(seen, ['GET /hello']);
    const rec = audit.records.at(-1);
    assert.ok(rec);
    assert.equal(rec.outcome, 'allow');
    assert.equal(rec.rule, 'upstream-read');
    assert.equal(rec.agent, 'lib-test');
    assert.equal(rec.policy_version, gate.policyVersion);

    // The same config object loaded again is the same policy version, and decides the same way.
    const policy = policyFromConfig(await loadConfig(config, { dir }));
    assert.equal(policy.version, gate.policyVersion);
    const facts: RequestFacts = { scheme: 'http', host: 'api.upstream.test', port: Number(new URL(origin).port), method: 'GET', path: '/hello' };
    const d = decide(facts, who, policy);
    assert.equal(d.outcome, 'allow');
    assert.equal(d.rule, rec.rule);
  });

  test('a denied request gets the deny contract from the refusal table, and the upstream sees nothing', async () => {
    const before = seen.length;
    const r = await viaProxy(proxyUrl, `${origin}/admin/users`);
    assert.equal(r.status, REFUSALS.policy_denied.status);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const body = JSON.parse(r.body) as { error: string; rule: string; decision_id: string };
    assert.equal(body.error, 'policy_denied');
    assert.equal(body.rule, 'no-admin');
    assert.equal(r.headers['x-sluice-decision'], body.decision_id);
    assert.equal(refusalOfSluiceCode(REFUSALS[body.error as 'policy_denied'].sluice), 'policy_denied');
    assert.equal(seen.length, before);
    const rec = audit.records.at(-1);
    assert.equal(rec?.decision_id, body.decision_id);
    assert.equal(rec?.outcome, 'deny');
  });

  test('policyFromConfig compiles what the gate compiles: an approve rule naming approver roles', async () => {
    const cfg = {
      version: 1,
      rules: [{ id: 'ask-ops', hosts: ['api.upstream.test'], methods: ['DELETE'], action: 'approve', approval: { roles: ['ops'] } }],
      approvals: { roles: { ops: ['alice'] } },
    } as unknown as ConfigInput;
    const policy = policyFromConfig(await loadConfig(cfg, { dir }));
    const d = decide({ scheme: 'http', host: 'api.upstream.test', port: 80, method: 'DELETE', path: '/x' }, who, policy);
    assert.equal(d.outcome, 'approve');
    assert.equal(d.rule, 'ask-ops');
  });

  test('explain() gives the decide() answer and says why each earlier rule did not match', async () => {
    const policy = policyFromConfig(await loadConfig(config, { dir }));
    const facts: RequestFacts = { scheme: 'http', host: 'api.upstream.test', port: 80, method: 'POST', path: '/hello' };
    const { decision, trace } = explain(facts, who, policy);
    assert.deepEqual(decision, decide(facts, who, policy));
    assert.equal(decision.outcome, 'deny');
    assert.equal(decision.rule, 'default-deny');
    assert.equal(decision.reason, 'no_rule_matched');
    assert.deepEqual(
      trace.map((t) => [t.rule, t.result]),
      [
        ['no-admin', 'skipped'],
        ['upstream-read', 'skipped'],
      ],
    );
    assert.match(trace[1]!.why.join('; '), /method POST/);

    const admin = explain({ ...facts, method: 'GET', path: '/admin/x' }, who, policy);
    assert.equal(admin.decision.rule, 'no-admin');
    assert.equal(admin.trace.length, 1);
    assert.equal(admin.trace[0]!.result, 'matched');
  });

  test('a config object with a mistake is a ConfigError naming the line of the object as YAML', async () => {
    const bad = { version: 1, rules: [{ id: 'x', hostz: ['a.test'] }] } as unknown as ConfigInput;
    await assert.rejects(loadConfig(bad, { dir }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /<config object>:\d+:\d+: rules\[0\]\.hostz: unknown key 'hostz'/);
      return true;
    });
  });

  test('the refusal table binds each code to its status and SLUICE_* code', () => {
    assert.equal(REFUSALS.identity_required.status, 407);
    assert.equal(REFUSALS.human_approval_required.status, 428);
    assert.equal(REFUSALS.budget_exhausted.status, 429);
    assert.equal(refusalOfSluiceCode('SLUICE_SSRF_BLOCKED'), 'ssrf_blocked');
  });
});
