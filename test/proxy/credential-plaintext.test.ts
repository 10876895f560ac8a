/**
 * Credentials travel only over verified TLS: a rule with a credential and no
 * `schemes:` (the README's own shape) injects into HTTPS, and refuses plain HTTP
 * with a precise deny (403 `credential_plaintext_refused`, audited) before anything
 * is sent, unless the credential says `allow_plaintext: true`. `sluice policy check`
 * and `sluice start` warn about it.
 */
import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { canary } from '../credentials/canary.js';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { initDir, sluice, startCliGate } from '../helpers/cli.js';
import { waitForStderr } from '../helpers/cli-e2e.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

interface Deny {
  error: string;
  reason: string;
  rule: string | null;
  decision_id: string;
}

describe('credentials travel only over verified TLS', () => {
  const secret = canary('plain');
  let g: TestGate;
  let http: Upstream;
  let https: Upstream;
  let routed: Upstream;
  before(async () => {
    http = await startUpstream({ host: '127.0.0.1' });
    https = await startUpstream({ tls: true, names: ['127.0.0.1'] });
    routed = await startUpstream({ host: '127.0.0.3' });
    g = await startTestGate(
      `
network:
  allow_private: [127.0.0.0/8]
routes:
  internal:
    url: http://127.0.0.3:${routed.port}
rules:
  - id: via-plain-route
    hosts: [routed.test]
    route: internal
    credential: { secret: api_key, header: authorization, value: "Bearer {{secret}}" }
  - id: api
    hosts: [127.0.0.1]
    credential: { secret: api_key, header: authorization, value: "Bearer {{secret}}" }
`,
      { secrets: { api_key: secret } },
    );
  });
  after(async () => {
    // Whatever before() managed to start (a config the gate refuses leaves g unset).
    await (g as TestGate | undefined)?.close();
    for (const u of [http, https, routed] as (Upstream | undefined)[]) await u?.close();
  });

  test('plain HTTP: refused with credential_plaintext_refused, the upstream sees nothing, the secret is nowhere', async () => {
    const r = await exec('curl', ['-sS', '-i', '-x', g.proxyUrl, `http://127.0.0.1:${http.port}/echo`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/1\.1 403/);
    assert.match(r.stdout, /x-sluice-decision: /i);
    const body = JSON.parse(r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4)) as Deny;
    assert.equal(body.error, 'credential_plaintext_refused');
    assert.equal(body.rule, 'api');
    assert.match(body.reason, /api_key/);
    assert.match(body.reason, /allow_plaintext/);
    assert.equal(http.seen.length, 0);
    assert.ok(!JSON.stringify(http.seen).includes(secret), 'the upstream never saw the secret');
    const rec = g.audit.records.find((x) => x.decision_id === body.decision_id);
    assert.equal(rec?.outcome, 'deny');
    assert.equal(rec?.reason, 'credential_plaintext_refused');
    assert.equal(rec?.rule, 'api');
    assert.ok(!JSON.stringify(g.audit.records).includes(secret));
    assert.ok(!JSON.stringify(g.logs).includes(secret));
    assert.ok(!r.stdout.includes(secret));
  });

  test('a plain ws:// upgrade is plaintext too: refused before the upgrade is forwarded', async () => {
    const head = [
      `GET http://127.0.0.1:${http.port}/socket HTTP/1.1`,
      `Host: 127.0.0.1:${http.port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      `Proxy-Authorization: ${g.auth}`,
      '',
      '',
    ].join('\r\n');
    const { response } = await rawExchange(g.port, head, { timeoutMs: 3000 });
    const r = parseRawResponse(response);
    assert.equal(r.status, 403, response);
    assert.equal((JSON.parse(r.body) as Deny).error, 'credential_plaintext_refused');
  });

  test('HTTPS to a verified upstream: injected (the same rule, no schemes)', async () => {
    const r = await exec('curl', ['-sS', '-x', g.proxyUrl, '--cacert', g.caFile, `https://127.0.0.1:${https.port}/echo`]);
    assert.equal(r.code, 0, r.stderr);
    const seen = https.seen.at(-1);
    assert.equal(seen?.headers.authorization, `Bearer ${secret}`);
  });

  test('a route to plain http:// is plaintext too, whatever the request scheme', async () => {
    const r = await exec('curl', ['-sS', '-x', g.proxyUrl, '--cacert', g.caFile, 'https://routed.test/echo']);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as Deny;
    assert.equal(body.error, 'credential_plaintext_refused');
    assert.equal(body.rule, 'via-plain-route');
    assert.equal(routed.seen.length, 0);
  });
});

describe('allow_plaintext: true is the explicit opt-in to plain HTTP', () => {
  const open = canary('open');
  let g: TestGate;
  let http: Upstream;
  before(async () => {
    http = await startUpstream({ host: '127.0.0.1' });
    g = await startTestGate(
      `
network:
  allow_private: [127.0.0.0/8]
rules:
  - id: open-api
    hosts: [127.0.0.1]
    credential: { secret: open_key, query: key, allow_plaintext: true }
`,
      { secrets: { open_key: open } },
    );
  });
  after(async () => {
    await (g as TestGate | undefined)?.close();
    await (http as Upstream | undefined)?.close();
  });

  test('the secret is injected over plain HTTP', async () => {
    const r = await exec('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-x', g.proxyUrl, `http://127.0.0.1:${http.port}/open/echo`]);
    assert.equal(r.stdout, '200', r.stderr);
    assert.equal(http.seen.at(-1)?.url, `/open/echo?key=${open}`);
  });
});

describe('sluice policy check and sluice start warn about plaintext credentials', () => {
  const rules = `  - id: legacy
    hosts: [legacy.example.com]
    credential: { secret: env:LEGACY_KEY, query: key, allow_plaintext: true }
  - id: safe
    hosts: [api.example.com]
    credential: { secret: env:API_KEY, header: authorization, value: "Bearer {{secret}}" }
`;

  test('policy check names the rule and the secret, and still passes', async () => {
    const d = await initDir(rules);
    // Both secrets set: only the plaintext warning is left (a missing one is warned about too).
    const r = await sluice(['policy', 'check', d.configFile], { env: { ...process.env, LEGACY_KEY: 'x', API_KEY: 'y' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok: /);
    assert.match(r.stderr, /warning: rule legacy: secret env:LEGACY_KEY may be sent over plain HTTP \(allow_plaintext: true\)/);
    assert.doesNotMatch(r.stderr, /rule safe/);
  });

  test('start prints the same warning, and so does a reload that brings one in', async () => {
    const d = await initDir(rules);
    const gate = await startCliGate(d.configFile);
    try {
      await waitForStderr(gate, /warning: rule legacy: secret env:LEGACY_KEY may be sent over plain HTTP/);
      const from = gate.stderr().length;
      await appendFile(
        d.configFile,
        `  - id: legacy-2
    hosts: [old.example.com]
    credential: { secret: env:OLD_KEY, basic: { username: bot }, allow_plaintext: true }
`,
      );
      await waitForStderr(gate, /policy reloaded[^]*warning: rule legacy-2: secret env:OLD_KEY may be sent over plain HTTP/, from);
    } finally {
      await gate.stop();
    }
  });
});
