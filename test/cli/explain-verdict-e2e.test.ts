/**
 * `sluice explain` and `sluice policy test` tell what the gate would answer, not only
 * what the rules say: SSRF for IP literals and loopback names, hostname DLP and the
 * plaintext-credential refusal come before (or after) the rule trace, in text and
 * with --json. And what explain says is what a running gate answers.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, type InitDir } from '../helpers/cli.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';

const RULES = `  - id: no-loopback-2
    hosts: [127.0.0.2]
    action: deny
  - id: api
    hosts: [api.example.com]
    credential: { secret: env:API_KEY, header: authorization, value: "Bearer {{secret}}" }
  - id: everything
    hosts: ["*"]
network:
  allow_private: [127.0.0.0/8]
identity:
  required: false
`;

interface VerdictJson {
  outcome: 'allow' | 'deny';
  answer: { status: number; error: string; reason: string; rule: string | null } | null;
  stage: 'host' | 'policy' | 'credential' | null;
  findings: { type: string }[];
  rules: { outcome: string; rule: string; credential: { secret: string } | null };
  trace: { rule: string; result: string }[];
}

describe('explain and policy test tell the whole verdict', () => {
  let d: InitDir;
  before(async () => {
    d = await initDir(RULES);
  });

  async function explainJson(method: string, url: string): Promise<VerdictJson> {
    const r = await sluice(['explain', '--config', d.configFile, '--json', method, url]);
    const v = JSON.parse(r.stdout) as VerdictJson;
    // The exit status is the verdict's: 3 for a refusal, 0 for an allow (each test checks which).
    assert.equal(r.code, v.outcome === 'deny' ? 3 : 0, r.stderr);
    return v;
  }

  test('the metadata address under hosts: ["*"]: ssrf_blocked, then the rule trace', async () => {
    const r = await sluice(['explain', '--config', d.configFile, 'GET', 'http://169.254.169.254/latest/meta-data/']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^decision: +deny$/m);
    assert.match(r.stdout, /^answer: +403 ssrf_blocked$/m);
    assert.match(r.stdout, /^reason: +SSRF blocked: .*metadata/m);
    assert.match(r.stdout, /^rules say: +allow$/m);
    assert.match(r.stdout, /^#2 everything: matched: allows$/m);
    assert.doesNotMatch(r.stdout, /^decision: +allow$/m);
  });

  for (const url of ['http://localhost/', 'http://LOCALHOST./', 'http://foo.localhost:8080/', 'http://0x7f.1:8877/', 'http://[::1]/']) {
    test(`${url}: ssrf_blocked (--json)`, async () => {
      const v = await explainJson('GET', url);
      assert.equal(v.outcome, 'deny');
      assert.equal(v.stage, 'host');
      assert.equal(v.answer?.error, 'ssrf_blocked');
      assert.equal(v.answer?.status, 403);
      assert.equal(v.rules.outcome, 'allow');
      assert.ok(v.trace.length > 0);
    });
  }

  test('[::ffff:127.0.0.2] meets the IPv4 deny rule', async () => {
    const v = await explainJson('GET', 'http://[::ffff:127.0.0.2]/');
    assert.equal(v.outcome, 'deny');
    assert.equal(v.stage, 'policy');
    assert.equal(v.answer?.error, 'policy_denied');
    assert.equal(v.answer?.rule, 'no-loopback-2');
  });

  test('hostname DLP: dlp_blocked with its findings', async () => {
    const v = await explainJson('GET', 'https://7365637265745f6b65795f6c65616b6564.exfil.example.com/');
    assert.equal(v.outcome, 'deny');
    assert.equal(v.answer?.error, 'dlp_blocked');
    assert.ok(
      v.findings.some((f) => f.type.startsWith('hostname_')),
      JSON.stringify(v.findings),
    );
  });

  test('a credential over plain HTTP: credential_plaintext_refused; over HTTPS: allow with it', async () => {
    const plain = await explainJson('GET', 'http://api.example.com/v1');
    assert.equal(plain.outcome, 'deny');
    assert.equal(plain.stage, 'credential');
    assert.equal(plain.answer?.error, 'credential_plaintext_refused');
    assert.equal(plain.answer?.rule, 'api');
    const tls = await explainJson('GET', 'https://api.example.com/v1');
    assert.equal(tls.outcome, 'allow');
    assert.equal(tls.answer, null);
    assert.equal(tls.rules.credential?.secret, 'env:API_KEY');
    const text = await sluice(['explain', '--config', d.configFile, 'GET', 'http://api.example.com/v1']);
    assert.equal(text.code, 3, text.stderr);
    assert.match(text.stdout, /^answer: +403 credential_plaintext_refused$/m);
  });

  test('policy test judges cases as the gate answers them, and takes expect.error', async () => {
    const cases = join(d.dir, 'cases.yaml');
    await writeFile(
      cases,
      `cases:
  - name: metadata is refused
    request: GET http://169.254.169.254/latest/meta-data/
    expect: { outcome: deny, error: ssrf_blocked }
  - name: localhost is refused
    request: GET http://app.localhost/
    expect: { outcome: deny }
  - name: plain credential is refused
    request: GET http://api.example.com/v1
    expect: { outcome: deny, error: credential_plaintext_refused, rule: api }
  - name: tls credential is fine
    request: GET https://api.example.com/v1
    expect: { outcome: allow, rule: api, credential: env:API_KEY }
  - name: wrong on purpose
    request: GET http://169.254.169.254/
    expect: { outcome: allow, rule: everything }
`,
    );
    const r = await sluice(['policy', 'test', cases, '--config', d.configFile]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^✓ metadata is refused$/m);
    assert.match(r.stdout, /^✓ localhost is refused$/m);
    assert.match(r.stdout, /^✓ plain credential is refused$/m);
    assert.match(r.stdout, /^✓ tls credential is fine$/m);
    assert.match(
      r.stdout,
      /^✗ wrong on purpose: outcome: expected allow, got deny; rule: expected everything, got none \(refused by the gate: ssrf_blocked before the policy/m,
    );
    assert.match(r.stdout, /^4 passed, 1 failed$/m);
  });
});

test('policy check warns about a rule naming a loopback name, which can never match', async () => {
  const d = await initDir(`  - id: dev
    hosts: [LocalHost, "*.localhost"]
`);
  const r = await sluice(['policy', 'check', d.configFile]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: rule dev: host 'localhost' is a loopback name, refused as ssrf_blocked before any rule/);
  assert.match(r.stderr, /warning: rule dev: host '\*\.localhost' is a loopback name/);
});

describe('explain agrees with a running gate', () => {
  let g: TestGate;
  before(async () => {
    g = await startTestGate(`network:
  allow_private: [127.0.0.0/8]
rules:
  - id: no-loopback-2
    hosts: [127.0.0.2]
    action: deny
  - id: api
    hosts: [api.example.com]
    credential: { secret: env:API_KEY, header: authorization, value: "Bearer {{secret}}" }
  - id: everything
    hosts: ["*"]
`);
  });
  after(async () => {
    await g.close();
  });

  const urls = [
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:169.254.169.254]/',
    'http://localhost/',
    'http://Foo.LocalHost./',
    'http://[::ffff:127.0.0.2]:9/',
    'http://[::127.0.0.2]:9/',
    'http://2130706434:9/',
    'http://10.1.2.3/',
    'http://api.example.com/v1',
    'http://7365637265745f6b65795f6c65616b6564.exfil.example.com/',
  ];
  for (const url of urls) {
    test(`GET ${url}`, async () => {
      const { response } = await rawExchange(g.port, `GET ${url} HTTP/1.1\r\nHost: x\r\nProxy-Authorization: ${g.auth}\r\nConnection: close\r\n\r\n`, {
        timeoutMs: 5000,
      });
      const gate = parseRawResponse(response);
      const r = await sluice(['explain', '--config', g.configFile, '--agent', 'test-agent', '--tenant', 'acme', '--json', 'GET', url]);
      assert.equal(r.code, 3, `a refusal exits 3: ${r.stderr}`);
      const v = JSON.parse(r.stdout) as VerdictJson;
      assert.equal(gate.status, 403, gate.body);
      const body = JSON.parse(gate.body) as { error: string; rule: string | null };
      assert.equal(v.outcome, 'deny');
      assert.equal(v.answer?.error, body.error);
      assert.equal(v.answer?.rule, body.rule);
    });
  }
});
