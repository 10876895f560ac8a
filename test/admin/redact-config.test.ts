/**
 * The config text the admin API shows (policy current, history and diffs) never carries
 * a secret: URL passwords, secret-named keys and credential headers are redacted, the
 * rest (rule ids, hosts, secret store names in `credential:`) is shown as written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PolicyHistory } from '../../src/admin/policy-history.js';
import { REDACTED, redactConfigText } from '../../src/admin/redact-config.js';

const CONFIG = `version: 1
# the shared backend
state:
  backend: postgres
  postgres: postgres://sluice:CANARY-PG-PW@db.internal:5432/sluice   # kept
  redis: "redis://:CANARY-REDIS@cache:6379/0"
audit:
  export:
    - { to: webhook, url: "https://hook:CANARY-HOOK@siem.example/ingest", headers: { authorization: "Splunk CANARY-SIEM", x-tenant: ops } }
telemetry:
  otlp:
    endpoint: http://collector:4318
    headers:
      x-api-key: CANARY-OTLP
      Cookie: CANARY-COOKIE
rules:
  - id: github-read
    hosts: [api.github.com]
    credential: { secret: github_token, header: authorization, value: "Bearer {{secret}}" }
    headers:
      set:
        X-Auth-Token: CANARY-RULE
        X-Trace: keep-me
extra:
  db_password: CANARY-KEY-1
  client-secret: CANARY-KEY-2
  private_key: CANARY-KEY-3
identity:
  token_ttl: 15m
`;

test('URL passwords, secret-named keys and credential headers are redacted; the policy is not', () => {
  const out = redactConfigText(CONFIG);
  assert.doesNotMatch(out, /CANARY/, out);
  for (const kept of [
    'id: github-read',
    'hosts: [api.github.com]',
    'secret: github_token',
    'X-Trace: keep-me',
    'x-tenant: ops',
    'token_ttl: 15m',
    '# kept',
    'postgres://sluice:',
  ])
    assert.ok(out.includes(kept), `${kept} is shown:\n${out}`);
  assert.equal(out.split(REDACTED).length - 1, 10, out);
});

test('text that is not YAML is withheld whole', () => {
  assert.doesNotMatch(redactConfigText('state: { postgres: postgres://u:CANARY@h/x\n'), /CANARY/);
});

test('the policy history keeps only the redacted text, and its diffs show no secret', () => {
  const h = new PolicyHistory(5);
  h.loaded({ version: 'v1', file: 'sluice.yaml', raw: CONFIG, config: { rules: [1] } }, 1);
  h.loaded(
    { version: 'v2', file: 'sluice.yaml', raw: CONFIG.replace('CANARY-PG-PW', 'CANARY-PG-PW-2').replace('keep-me', 'kept-2'), config: { rules: [1] } },
    2,
  );
  const all = JSON.stringify(h.list());
  assert.doesNotMatch(all, /CANARY/);
  assert.match(h.list()[0]!.diff!, /kept-2/);
});
