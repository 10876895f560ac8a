/**
 * The token_exchange and jwt forms end to end. RFC 8693: the authorization server
 * verifies the gate's subject token through the gate's JWKS listener (jose's
 * createRemoteJWKSet, as a real server would), issues one token per workflow, and
 * revokes it when `sluice revoke --session` ends the workflow. Minted JWTs: a
 * route's internal service verifies them through the same JWKS endpoint; their
 * claims name the workflow and the intent, and they live minutes.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { controlCall } from '../../../src/control/control-client.js';
import type { RunAnswer } from '../../../src/control/protocol.js';
import { waitFor } from '../../helpers/cli-e2e.js';
import { exec, SLUICE_BIN } from '../../helpers/exec.js';
import { proxyAuth, proxyRequest, startTestGate, type TestGate } from '../../helpers/gate.js';
import { startAuthServer, startResourceServer, type AuthServer, type ResourceServer } from '../../helpers/oauth-server.js';
import { canary } from '../canary.js';

const STS_SECRET = canary('sts-');

/** An internal service that accepts only a JWT its JWKS verifies for `audience`, and answers with the claims. */
async function startJwtService(jwksUrl: () => string, audience: string): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl())), { issuer: 'sluice', audience, algorithms: ['ES256'] }).then(
      ({ payload, protectedHeader }) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ payload, kid: protectedHeader.kid })),
      (err: Error) => res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.name })),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('token_exchange and minted JWTs: per workflow, verified through the JWKS endpoint, revoked with the workflow', () => {
  let as: AuthServer;
  let rs: ResourceServer;
  let orders: { port: number; server: Server };
  let g: TestGate;
  const jwksUrl = (): string => `http://127.0.0.1:${g.gate.jwksAddress!.port}/.well-known/jwks.json`;

  before(async () => {
    as = await startAuthServer({ clients: { sluice: STS_SECRET }, jwksUrl });
    rs = await startResourceServer(as);
    orders = await startJwtService(jwksUrl, 'orders-api');
    g = await startTestGate(
      `
broker:
  jwks_listen: 127.0.0.1:0
routes:
  idp: { url: "http://127.0.0.1:${as.port}" }
  tickets: { url: "http://127.0.0.1:${rs.port}" }
  orders: { url: "http://127.0.0.1:${orders.port}" }
rules:
  - id: tickets-exchange
    hosts: [tickets.internal]
    intent: ticket.read
    route: tickets
    credential:
      secret: sts_client
      allow_plaintext: true
      token_exchange:
        token_url: "route:idp/token"
        revocation_url: "route:idp/revoke"
        client_id: sluice
        audience: tickets
        scope: tickets.read
        subject_audience: oauth-test-as
  - id: orders-read
    hosts: [orders.internal]
    intent: order.read
    route: orders
    credential: { allow_plaintext: true, jwt: { audience: orders-api, ttl: 5m, claims: { role: reader } } }
  - id: billing
    hosts: [billing.internal]
    route: orders
    credential: { allow_plaintext: true, jwt: { audience: billing-api } }
`,
      { secrets: { sts_client: STS_SECRET } },
    );
  });
  after(async () => {
    await g.close();
    await rs.close();
    await as.close();
    orders.server.closeAllConnections();
    await new Promise((r) => orders.server.close(r));
  });

  test('each workflow gets its own exchanged token, for its identity and intent, reused while fresh', async () => {
    const one = proxyAuth(await g.mint({ session: 'wf-one', human: 'ana@acme.test' }));
    const two = proxyAuth(await g.mint({ session: 'wf-two' }));
    for (const auth of [one, two, one, two]) {
      const r = await proxyRequest(g, 'GET', 'http://tickets.internal/tickets', { auth });
      assert.equal(r.status, 200, r.body);
    }
    assert.equal(as.hits.token_exchange, 2);
    const subjects = [...as.issued.values()].filter((t) => t.grant === 'token_exchange').map((t) => t.subject);
    assert.deepEqual(
      subjects.map((s) => [s.workflow, s.agent, s.tenant, s.intent, s.sub]),
      [
        ['wf-one', 'test-agent', 'acme', 'ticket.read', 'test-agent'],
        ['wf-two', 'test-agent', 'acme', 'ticket.read', 'test-agent'],
      ],
    );
    assert.equal(subjects[0]!.human, 'ana@acme.test');
    // The agent read a 200 answer that echoed the token: redacted.
    const again = await proxyRequest(g, 'GET', 'http://tickets.internal/tickets', { auth: one });
    for (const token of as.issued.keys()) assert.ok(!again.body.includes(token));
  });

  test('sluice revoke --session revokes that workflow’s exchanged token at the authorization server, not the other', async () => {
    const [first, second] = [...as.issued.values()].filter((t) => t.grant === 'token_exchange');
    const r = await exec(process.execPath, [SLUICE_BIN, 'revoke', '--session', 'wf-one', '--config', g.configFile]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the revocation at the AS', () => (as.revoked.includes(first!.token) ? true : undefined));
    assert.equal(first!.revoked, true);
    assert.equal(second!.revoked, false);
    assert.ok(!as.revoked.includes(second!.token));
    assert.ok(!JSON.stringify(g.logs).includes(first!.token), 'the log names the credential, never the token');
    assert.ok(g.logs.some((l) => l.credential === 'sts_client' && /revoked at the authorization server/.test(String(l.msg))));
  });

  test('the end of a run (control socket /v1/runs/end) revokes its workflow’s exchanged token', async () => {
    const socket = g.gate.controlSocket!;
    const run = await controlCall<RunAnswer>(socket, 'POST', '/v1/runs', { tenant: 'acme', agent: 'test-agent' });
    const r = await proxyRequest(g, 'GET', 'http://tickets.internal/tickets', { auth: proxyAuth(run.alias) });
    assert.equal(r.status, 200, r.body);
    const mine = [...as.issued.values()].find((t) => t.grant === 'token_exchange' && t.subject.workflow === run.identity.session);
    assert.ok(mine);
    await controlCall(socket, 'POST', '/v1/runs/end', { token: run.token, alias: run.alias });
    await waitFor('the revocation at the AS', () => (as.revoked.includes(mine.token) ? true : undefined));
    assert.equal(mine.revoked, true);
  });

  test('a minted JWT verifies through the JWKS endpoint; its claims name the workflow and intent; it lives minutes', async () => {
    const auth = proxyAuth(await g.mint({ session: 'wf-orders' }));
    const r = await proxyRequest(g, 'GET', 'http://orders.internal/orders/7', { auth });
    assert.equal(r.status, 200, r.body);
    const { payload } = JSON.parse(r.body) as { payload: Record<string, unknown> };
    assert.equal(payload.workflow, 'wf-orders');
    assert.equal(payload.intent, 'order.read');
    assert.equal(payload.agent, 'test-agent');
    assert.equal(payload.rule, 'orders-read');
    assert.equal(payload.role, 'reader');
    assert.equal(payload.aud, 'orders-api');
    const exp = payload.exp as number;
    assert.equal(exp - (payload.iat as number), 300);
    assert.ok(exp * 1000 - Date.now() <= 300_000 && exp * 1000 > Date.now());
    const rec = g.audit.records.find((x) => x.rule === 'orders-read');
    assert.equal(rec?.credential, 'jwt:orders-api');
  });

  test('a JWT minted for another audience is refused by the service: the audience is per rule', async () => {
    const r = await proxyRequest(g, 'GET', 'http://billing.internal/orders/7');
    assert.equal(r.status, 401, r.body);
  });

  test('the JWKS holds the public key only; the private key is a 0600 file in the data dir', async () => {
    const res = await fetch(jwksUrl());
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { keys: Record<string, unknown>[] };
    assert.equal(doc.keys.length, 1);
    assert.equal(doc.keys[0]!.alg, 'ES256');
    assert.equal(typeof doc.keys[0]!.kid, 'string');
    assert.equal(doc.keys[0]!.d, undefined);
    assert.equal((await stat(join(g.dir, 'broker-jwt-key.pem'))).mode & 0o777, 0o600);
    assert.equal((await fetch(jwksUrl().replace('jwks.json', 'other'))).status, 404);
  });

  test('sluice explain names each brokered credential by form and name, never a value', async () => {
    const cases: [string, string, RegExp][] = [
      ['GET', 'http://tickets.internal/tickets', /RFC 8693 exchange .*client 'sluice' scope 'tickets.read' audience 'tickets'.*secret sts_client/],
      ['GET', 'http://orders.internal/x', /Sluice-minted JWT for audience 'orders-api', 5 min, claims .*intent.* and role/],
    ];
    for (const [method, url, how] of cases) {
      const r = await exec(process.execPath, [SLUICE_BIN, 'explain', '--config', g.configFile, method, url]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, how);
      assert.ok(!r.stdout.includes(STS_SECRET));
    }
  });
});
