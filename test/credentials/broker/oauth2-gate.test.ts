/**
 * The oauth2 form end to end: a gate whose rules send `ticket.read` and
 * `ticket.create` on one host to a resource server with tokens it fetches from an
 * authorization server (both real servers on loopback, reached through named
 * routes, the operator's opt-in to private addresses). The agent never sees a
 * token, the client secret or the refresh token; tokens are cached and fetched
 * once for concurrent requests; each token endpoint failure is a 502
 * token_endpoint_failed naming the credential.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { exec, SLUICE_BIN } from '../../helpers/exec.js';
import { proxyRequest, startTestGate, type TestGate } from '../../helpers/gate.js';
import { startAuthServer, startResourceServer, type AuthServer, type ResourceServer } from '../../helpers/oauth-server.js';
import { canary } from '../canary.js';

const CLIENT_SECRET = canary('client-');
const REFRESH = canary('refresh-');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const SIGNING_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function rules(as: AuthServer, rs: ResourceServer, extraRules = ''): string {
  return `
routes:
  idp:
    url: http://127.0.0.1:${as.port}
  tickets:
    url: http://127.0.0.1:${rs.port}
rules:
  - id: tickets-write
    hosts: [tickets.internal]
    methods: [POST]
    intent: ticket.create
    route: tickets
    credential:
      secret: crm_client
      allow_plaintext: true
      oauth2: { grant: client_credentials, token_url: "route:idp/token", client_id: sluice-crm, scope: tickets.write }
  - id: tickets-read
    hosts: [tickets.internal]
    methods: [GET]
    intent: ticket.read
    route: tickets
    credential:
      secret: crm_client
      allow_plaintext: true
      oauth2: { grant: client_credentials, token_url: "route:idp/token", client_id: sluice-crm, client_auth: post, scope: tickets.read }
${extraRules}`;
}

describe('oauth2 client_credentials: intent picks the token, the agent never sees it', () => {
  let as: AuthServer;
  let rs: ResourceServer;
  let g: TestGate;

  before(async () => {
    as = await startAuthServer({ clients: { 'sluice-crm': CLIENT_SECRET } });
    rs = await startResourceServer(as);
    g = await startTestGate(rules(as, rs), { secrets: { crm_client: CLIENT_SECRET } });
  });
  after(async () => {
    await g.close();
    await rs.close();
    await as.close();
  });

  test('ticket.read gets a read-only token and ticket.create a write-scoped one; the echoed token is scrubbed', async () => {
    const read = await proxyRequest(g, 'GET', 'http://tickets.internal/tickets');
    assert.equal(read.status, 200, read.body);
    const r = JSON.parse(read.body) as { scope: string; echo: string };
    assert.equal(r.scope, 'tickets.read');
    // The resource server echoed the Authorization header it got: the agent reads it redacted.
    assert.doesNotMatch(r.echo, /at-client_credentials-/);
    const create = await proxyRequest(g, 'POST', 'http://tickets.internal/tickets', { body: '{}' });
    assert.equal(create.status, 200, create.body);
    assert.equal((JSON.parse(create.body) as { scope: string }).scope, 'tickets.write');
    // What the resource server really received was a token the AS issued, with that scope.
    const got = rs.seen.slice(-2).map((h) => as.issued.get(h.replace('Bearer ', ''))?.scope);
    assert.deepEqual(got, ['tickets.read', 'tickets.write']);
  });

  test('the cached token is reused, and concurrent requests share one fetch', async () => {
    const before = as.hits.client_credentials ?? 0;
    for (let i = 0; i < 3; i++) assert.equal((await proxyRequest(g, 'GET', 'http://tickets.internal/tickets')).status, 200);
    const burst = await Promise.all(Array.from({ length: 10 }, () => proxyRequest(g, 'GET', 'http://tickets.internal/tickets')));
    assert.deepEqual(
      burst.map((r) => r.status),
      Array(10).fill(200),
    );
    assert.equal(as.hits.client_credentials ?? 0, before, 'no new token: the one from the first test is still fresh');
  });

  test('no token, client secret or refresh token reaches the agent, the audit trail or the log', () => {
    const records = JSON.stringify(g.audit.records);
    const logs = JSON.stringify(g.logs);
    const tokens = [...as.issued.keys()];
    assert.ok(tokens.length >= 2);
    for (const secret of [CLIENT_SECRET, ...tokens]) {
      assert.ok(!records.includes(secret), 'audit');
      assert.ok(!logs.includes(secret), 'log');
    }
    const rec = g.audit.records.find((x) => x.rule === 'tickets-write');
    assert.equal(rec?.credential, 'crm_client');
    assert.equal(rec?.intent, 'ticket.create');
  });

  test('sluice explain shows which credential each intent gets', async () => {
    for (const [method, scope] of [
      ['POST', 'tickets.write'],
      ['GET', 'tickets.read'],
    ] as const) {
      const r = await exec(process.execPath, [SLUICE_BIN, 'explain', '--config', g.configFile, method, 'http://tickets.internal/tickets']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        new RegExp(`^credential: +crm_client \\(OAuth 2\\.0 client_credentials token from route:idp/token for client 'sluice-crm' scope '${scope}'`, 'm'),
      );
      assert.ok(!r.stdout.includes(CLIENT_SECRET));
    }
  });
});

describe('oauth2: refresh_token (rotated) and jwt_bearer grants', () => {
  let as: AuthServer;
  let rs: ResourceServer;
  let g: TestGate;

  before(async () => {
    as = await startAuthServer({ clients: { 'sluice-crm': CLIENT_SECRET }, refreshToken: REFRESH, assertionKey: publicKey, lifetimeSec: 30 });
    rs = await startResourceServer(as);
    const extra = `
  - id: refreshing
    hosts: [refresh.internal]
    route: tickets
    credential:
      secret: crm_refresh
      allow_plaintext: true
      oauth2: { grant: refresh_token, token_url: "route:idp/token", client_id: sluice-crm, client_secret: crm_client, scope: tickets.read }
  - id: asserting
    hosts: [assert.internal]
    route: tickets
    credential:
      secret: crm_key
      allow_plaintext: true
      oauth2: { grant: jwt_bearer, token_url: "route:idp/token", client_id: sluice-crm, assertion_audience: oauth-test-as, scope: tickets.read }
`;
    g = await startTestGate(rules(as, rs, extra), { secrets: { crm_client: CLIENT_SECRET, crm_refresh: REFRESH, crm_key: SIGNING_PEM } });
  });
  after(async () => {
    await g.close();
    await rs.close();
    await as.close();
  });

  test('a token inside the refresh window (expires_in 30 s < token_skew 60 s) is refreshed on every use, with the rotated refresh token', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await proxyRequest(g, 'GET', 'http://refresh.internal/tickets');
      assert.equal(r.status, 200, r.body);
    }
    // Each refresh rotated the refresh token; a broker still using the stored one would have been refused after the first.
    assert.equal(as.hits.refresh_token, 3);
    assert.notEqual(as.refreshToken, REFRESH);
  });

  test('jwt_bearer: the assertion signed with the stored key is accepted; the key never leaves', async () => {
    const r = await proxyRequest(g, 'GET', 'http://assert.internal/tickets');
    assert.equal(r.status, 200, r.body);
    assert.equal((JSON.parse(r.body) as { grant: string }).grant, 'jwt_bearer');
    assert.ok(!as.bodies.join('\n').includes('PRIVATE KEY'));
  });
});

describe('oauth2: a token endpoint failure fails closed with token_endpoint_failed', () => {
  let as: AuthServer;
  let rs: ResourceServer;
  let g: TestGate;

  before(async () => {
    as = await startAuthServer({ clients: { 'sluice-crm': CLIENT_SECRET } });
    rs = await startResourceServer(as);
    const extra = `
  - id: unreachable
    hosts: [down.internal]
    route: tickets
    credential:
      secret: crm_client
      allow_plaintext: true
      oauth2: { grant: client_credentials, token_url: "route:nowhere/token", client_id: sluice-crm }
  - id: loopback-direct
    hosts: [ssrf.internal]
    route: tickets
    credential:
      secret: crm_client
      allow_plaintext: true
      oauth2: { grant: client_credentials, token_url: "https://127.0.0.1:${as.port}/token", client_id: sluice-crm }
`;
    // Port 1 on loopback: nothing listens there, so the dial is refused.
    const yaml = rules(as, rs, extra).replace('routes:\n', 'routes:\n  nowhere:\n    url: http://127.0.0.1:1\n');
    g = await startTestGate(yaml, { secrets: { crm_client: CLIENT_SECRET } });
  });
  after(async () => {
    await g.close();
    await rs.close();
    await as.close();
  });

  for (const [fail, why] of [
    ['status500', /answered 500/],
    ['invalid_client', /answered 401 \(invalid_client\)/],
    ['bad_json', /not a JSON object/],
    ['no_access_token', /without a usable access_token/],
  ] as const) {
    test(`${fail}: 502 token_endpoint_failed naming the credential, and a record saying so`, async () => {
      as.fail = fail;
      try {
        const r = await proxyRequest(g, 'GET', 'http://tickets.internal/tickets');
        assert.equal(r.status, 502, r.body);
        const body = JSON.parse(r.body) as { error: string; reason: string; rule: string };
        assert.equal(body.error, 'token_endpoint_failed');
        assert.equal(body.rule, 'tickets-read');
        assert.match(body.reason, /credential 'crm_client'/);
        assert.match(body.reason, why);
        assert.ok(!r.body.includes(CLIENT_SECRET));
        const rec = g.audit.records.at(-1)!;
        assert.equal(rec.reason, 'token_endpoint_failed');
        assert.equal(rec.credential, 'crm_client');
        assert.ok(!JSON.stringify(g.audit.records).includes(CLIENT_SECRET));
        assert.ok(!JSON.stringify(g.logs).includes(CLIENT_SECRET));
      } finally {
        as.fail = 'none';
      }
    });
  }

  test('a token endpoint nobody answers: 502 token_endpoint_failed', async () => {
    const r = await proxyRequest(g, 'GET', 'http://down.internal/tickets');
    assert.equal(r.status, 502, r.body);
    assert.equal((JSON.parse(r.body) as { error: string }).error, 'token_endpoint_failed');
    assert.match(r.body, /could not be reached/);
  });

  test('a token URL on loopback without a route is refused by the SSRF check, never dialled', async () => {
    const before = as.hits.client_credentials ?? 0;
    const r = await proxyRequest(g, 'GET', 'http://ssrf.internal/tickets');
    assert.equal(r.status, 502, r.body);
    assert.equal((JSON.parse(r.body) as { error: string }).error, 'token_endpoint_failed');
    assert.match(r.body, /SLUICE_SSRF_BLOCKED/);
    assert.equal(as.hits.client_credentials ?? 0, before);
  });

  test('a failure is not cached: the next request, with the server back, gets a token', async () => {
    assert.equal((await proxyRequest(g, 'GET', 'http://tickets.internal/tickets')).status, 200);
  });
});

describe('gcp: a service-account key file from the store becomes an access token', () => {
  let as: AuthServer;
  let rs: ResourceServer;
  let g: TestGate;
  const keyFile = JSON.stringify({
    type: 'service_account',
    client_email: 'sluice@project.iam.gserviceaccount.com',
    private_key: SIGNING_PEM,
    token_uri: 'https://oauth2.googleapis.com/token',
  });

  before(async () => {
    as = await startAuthServer({ clients: {}, assertionKey: publicKey, assertionAudience: 'https://oauth2.googleapis.com/token' });
    rs = await startResourceServer(as);
    g = await startTestGate(
      `
routes:
  idp: { url: "http://127.0.0.1:${as.port}" }
  tickets: { url: "http://127.0.0.1:${rs.port}" }
rules:
  - id: gcs
    hosts: [storage.internal]
    route: tickets
    credential: { secret: gcp_sa, allow_plaintext: true, gcp: { scopes: [tickets.read], token_url: "route:idp/token" } }
`,
      { secrets: { gcp_sa: keyFile } },
    );
  });
  after(async () => {
    await g.close();
    await rs.close();
    await as.close();
  });

  test('the assertion names the service account, carries the scopes and is signed with its key', async () => {
    const r = await proxyRequest(g, 'GET', 'http://storage.internal/tickets');
    assert.equal(r.status, 200, r.body);
    const body = JSON.parse(r.body) as { grant: string; scope: string; subject: { iss: string } };
    assert.deepEqual([body.grant, body.scope, body.subject.iss], ['jwt_bearer', 'tickets.read', 'sluice@project.iam.gserviceaccount.com']);
    assert.ok(!r.body.includes('PRIVATE KEY'));
    assert.equal(g.audit.records.at(-1)?.credential, 'gcp_sa');
  });
});
