/**
 * The admin API end to end: a gate from `sluice start` (its own process) with
 * `admin.listen`, operator tokens from `sluice operator token`, real agents speaking
 * HTTP and CONNECT through the proxy port. Every route is refused without a valid
 * token and below its role (table-driven over the router's own list); the proxy port
 * never answers admin calls; an approver's decision lets a held request go on; a
 * revocation ends an open tunnel; no canary secret and no token reaches an answer or
 * an admin audit record.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ensureOperatorKey } from '../../src/admin/operator-key.js';
import { mintOperatorToken } from '../../src/admin/operator-token.js';
import { ROUTES } from '../../src/admin/routes/index.js';
import { roleAllows, type Role } from '../../src/admin/roles.js';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { waitFor } from '../helpers/cli-e2e.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { AdminClient, adminPortOf, agentSend, operatorToken, proxyAuth as agentAuth } from './helpers.js';

/** A GitHub-token-shaped canary: in the secret store, in an agent's request body and query string. */
const CANARY = `ghp_${'Ad9Mn3Bv7Cx1Zl5Kj8Hg2Fd4Sa6Qw0Er3Ty'}`;

/** A concrete path for a route template (`{id}` -> `x`). */
const concrete = (path: string): string => path.replace(/\{[^}]+\}/g, 'x');

describe('the admin API', () => {
  let up: Upstream;
  let d: InitDir;
  let gate: CliGate;
  let api: AdminClient;
  const tok: Record<'root' | 'alice' | 'bob' | 'carol', string> = { root: '', alice: '', bob: '', carol: '' };
  const agent: Record<string, string> = {};

  before(async () => {
    up = await startUpstream();
    d = await initDir(`  - id: held
    hosts: [api.upstream.test]
    paths: ["/held/**"]
    action: approve
    approval: { approvers: [alice], mode: hold }
    inspect: { dlp: warn }
  - id: keyed
    hosts: [api.upstream.test]
    paths: ["/echo"]
    credential: { secret: upstream_key, header: x-api-key, value: "{{secret}}", allow_plaintext: true }
  - id: rest
    hosts: [api.upstream.test, pass.test]
tls:
  passthrough: [pass.test]
dns:
  hosts:
    api.upstream.test: 127.0.0.1
    pass.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
approvals:
  hold: 20s
budgets:
  per-session: { per: session, calls: 1000 }
admin:
  listen: 127.0.0.1:0
`);
    const set = await sluice(['secret', 'set', 'upstream_key', '--config', d.configFile], { input: `${CANARY}\n` });
    assert.equal(set.code, 0, set.stderr);
    gate = await startCliGate(d.configFile);
    api = new AdminClient(adminPortOf(gate));
    [tok.root, tok.alice, tok.bob, tok.carol] = await Promise.all([
      operatorToken(d.configFile, 'root', 'admin'),
      operatorToken(d.configFile, 'alice', 'approver'),
      operatorToken(d.configFile, 'bob', 'approver'),
      operatorToken(d.configFile, 'carol', 'auditor'),
    ]);
    for (const session of ['s-held', 's-tun', 's-echo', 's-bud']) {
      const r = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--session', session, '--human', 'dana', '--config', d.configFile]);
      assert.equal(r.code, 0, r.stderr);
      agent[session] = r.stdout.trim();
    }
  });
  after(async () => {
    await gate?.stop();
    await up?.close();
  });

  const proxyAuth = (session: string): string => agentAuth(agent[session]!);
  const send = (session: string, method: string, path: string, body = ''): Promise<{ status: number; body: string }> =>
    agentSend(gate.port, agent[session]!, `api.upstream.test:${up.port}`, method, path, body, 30_000);

  test('/healthz and /readyz answer without a token', async () => {
    const h = await api.call('GET', '/healthz');
    assert.equal(h.status, 200, h.text);
    assert.deepEqual(h.body, { status: 'up' });
    const r = await api.call('GET', '/readyz');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { ready: true, checks: { state: 'ok', audit: 'ok', killed: false } });
  });

  test('every route refuses a call without a valid token: none, malformed, foreign key, agent token, expired, revoked', async () => {
    const key = await ensureOperatorKey(d.dir);
    const expired = (await mintOperatorToken(key, { name: 'root', role: 'admin', ttlMs: 60_000, now: Date.now() - 3_600_000 })).token;
    const foreign = (await mintOperatorToken(generateKeyPairSync('ed25519').privateKey, { name: 'root', role: 'admin', ttlMs: 60_000 })).token;
    const tooLong = (await mintOperatorToken(key, { name: 'root', role: 'admin', ttlMs: 400 * 86_400_000 })).token;
    const revoked = await operatorToken(d.configFile, 'mallory', 'admin');
    const r = await sluice(['operator', 'revoke', '--name', 'mallory', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no token', {}, 'operator_token_missing'],
      ['not bearer', { authorization: `Basic ${Buffer.from(`x:${tok.root}`).toString('base64')}` }, 'operator_token_invalid'],
      ['garbage', { authorization: 'Bearer not-a-token' }, 'operator_token_invalid'],
      ['foreign key', { authorization: `Bearer ${foreign}` }, 'operator_token_invalid'],
      ['agent token', { authorization: `Bearer ${agent['s-echo']!}` }, 'operator_token_invalid'],
      ['over max ttl', { authorization: `Bearer ${tooLong}` }, 'operator_token_invalid'],
      ['expired', { authorization: `Bearer ${expired}` }, 'operator_token_expired'],
      ['revoked', { authorization: `Bearer ${revoked}` }, 'operator_token_revoked'],
    ];
    const guarded = ROUTES.filter((x) => x.role !== null);
    assert.ok(guarded.length >= 20, `only ${guarded.length} guarded routes`);
    for (const route of guarded) {
      for (const [what, headers, code] of cases) {
        const a = await api.call(route.method, concrete(route.path), { headers, statusOnly: true, ...(route.method === 'GET' ? {} : { body: {} }) });
        assert.equal(a.status, 401, `${route.method} ${route.path} with ${what}: ${a.text}`);
        assert.equal(a.body.error, code, `${route.method} ${route.path} with ${what}`);
        assert.match(a.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
    }
    // A path no route has is refused the same way: nothing about the API is told without a token.
    const unknown = await api.call('GET', '/api/v1/nothing-here');
    assert.equal(unknown.status, 401);
  });

  test('every route refuses a role below its own (403), and lets its role through', async () => {
    const byRole: Record<Role, string> = { auditor: tok.carol, approver: tok.bob, admin: tok.root };
    for (const route of ROUTES) {
      if (route.role === null) continue;
      for (const role of ['auditor', 'approver', 'admin'] as const) {
        const a = await api.call(route.method, concrete(route.path), {
          token: byRole[role],
          statusOnly: route.mediaType === 'text/event-stream',
          ...(route.method === 'GET' ? {} : { body: {} }),
        });
        if (roleAllows(role, route.role)) assert.notEqual(a.status, 403, `${role} on ${route.method} ${route.path}: ${a.text}`);
        else {
          assert.equal(a.status, 403, `${role} on ${route.method} ${route.path}: ${a.text}`);
          assert.equal(a.body.error, 'role_insufficient');
        }
      }
    }
  });

  test('every GET route answers its documented schema', async () => {
    await send('s-echo', 'GET', '/echo');
    for (const route of ROUTES) {
      if (route.method !== 'GET' || route.path.includes('{') || route.mediaType !== undefined) continue;
      const a = await api.call('GET', route.path, { token: tok.root });
      if (a.status === 200) {
        const parsed = route.response.safeParse(a.body);
        assert.ok(parsed.success, `${route.path}: ${parsed.error?.message ?? ''}\n${a.text.slice(0, 500)}`);
      } else assert.ok([501, 503].includes(a.status), `${route.path}: ${a.status} ${a.text}`);
    }
  });

  test('the proxy port never answers an admin call; the admin port is not a proxy', async () => {
    for (const path of ['/api/v1/approvals', '/api/v1/openapi.json', '/healthz', '/readyz']) {
      const { response } = await rawExchange(
        gate.port,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${gate.port}\r\nAuthorization: Bearer ${tok.root}\r\nConnection: close\r\n\r\n`,
      );
      const text = response;
      assert.ok(!/^HTTP\/1\.1 200/.test(text), `${path} on the proxy port: ${text}`);
      assert.ok(!/"approvals"|"openapi"|"status":"up"|"ready"/.test(text), `${path} on the proxy port answered admin data: ${text}`);
    }
    const { response } = await rawExchange(
      api.port,
      `GET http://api.upstream.test:${up.port}/echo HTTP/1.1\r\nHost: api.upstream.test\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(parseRawResponse(response).status, 400);
    assert.equal(up.seen.filter((s) => s.headers.host === 'api.upstream.test').length, 0, 'the admin port forwarded a request');
  });

  test('an approver approves a held request through the API and the agent’s request completes; an auditor and a non-approver cannot', async () => {
    const held = send('s-held', 'POST', `/held/deploy?key=${CANARY}`, JSON.stringify({ service: 'web', token: CANARY }));
    const pending = await waitFor('a pending approval', async () => {
      const a = await api.call('GET', '/api/v1/approvals', { token: tok.carol });
      assert.equal(a.status, 200, a.text);
      return (a.body.approvals as Array<{ id: string; rule: string; diff: { body: string; session: string } }>).find((x) => x.rule === 'held');
    });
    assert.equal(pending.diff.session, 's-held');
    assert.match(pending.diff.body, /"service":"web"/);
    const shown = await api.call('GET', `/api/v1/approvals/${pending.id}`, { token: tok.carol });
    assert.equal(shown.status, 200, shown.text);
    assert.deepEqual((shown.body.approval as { approvers: string[] }).approvers, ['alice']);

    const byAuditor = await api.call('POST', `/api/v1/approvals/${pending.id}/approve`, { token: tok.carol, body: {} });
    assert.equal(byAuditor.status, 403);
    assert.equal(byAuditor.body.error, 'role_insufficient');
    const byBob = await api.call('POST', `/api/v1/approvals/${pending.id}/approve`, { token: tok.bob, body: {} });
    assert.equal(byBob.status, 403, byBob.text);
    assert.equal(byBob.body.error, 'approver_not_allowed');
    const byAlice = await api.call('POST', `/api/v1/approvals/${pending.id}/approve`, { token: tok.alice, body: { reason: 'ship it' } });
    assert.equal(byAlice.status, 200, byAlice.text);
    const decided = byAlice.body.approval as { status: string; decided_by: string };
    assert.equal(decided.status, 'approved');
    assert.equal(decided.decided_by, 'alice');

    const answer = await held;
    assert.equal(answer.status, 200, answer.body);
    assert.equal(up.seen.filter((s) => s.url.startsWith('/held/deploy')).length, 1);
    const again = await api.call('POST', `/api/v1/approvals/${pending.id}/deny`, { token: tok.alice, body: {} });
    assert.equal(again.status, 409, again.text);
  });

  test('an admin revokes a session through the API and its open tunnel closes', async () => {
    const sock: Socket = connect(gate.port, '127.0.0.1');
    let closed = false;
    sock.on('close', () => (closed = true));
    sock.on('error', () => undefined);
    let got = '';
    sock.on('data', (c: Buffer) => (got += c.toString('latin1')));
    sock.write(`CONNECT pass.test:${up.port} HTTP/1.1\r\nHost: pass.test:${up.port}\r\nProxy-Authorization: ${proxyAuth('s-tun')}\r\n\r\n`);
    await waitFor('the tunnel to open', () => (/^HTTP\/1\.1 200/.test(got) ? true : undefined), 10_000);
    const before = await waitFor('the session to show its tunnel', async () => {
      const a = await api.call('GET', '/api/v1/sessions/s-tun?tenant=acme', { token: tok.carol });
      const open = (a.body.summary as { open: { tunnels: number } } | undefined)?.open;
      return a.status === 200 && open !== undefined && open.tunnels >= 1 ? a.body : undefined;
    });
    assert.deepEqual(before.identity, { tenant: 'acme', agent: 'bot', session: 's-tun', human: 'dana' });
    assert.ok(!closed);

    const byApprover = await api.call('POST', '/api/v1/revocations', { token: tok.alice, body: { kind: 'session', value: 's-tun', tenant: 'acme' } });
    assert.equal(byApprover.status, 403);
    const r = await api.call('POST', '/api/v1/revocations', { token: tok.root, body: { kind: 'session', value: 's-tun', tenant: 'acme', reason: 'test' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.applied, true, r.text);
    await waitFor('the tunnel to close', () => (closed ? true : undefined), 10_000);
    // The tunnel's record is written as it closes: the session is then in the trail, revoked.
    const revoked = await waitFor('the revoked session in the trail', async () => {
      const a = await api.call('GET', '/api/v1/sessions/s-tun?tenant=acme', { token: tok.carol });
      return a.status === 200 ? a.body : undefined;
    });
    assert.equal((revoked.revoked as { kind: string } | null)?.kind, 'session', JSON.stringify(revoked));
    assert.equal((revoked.summary as { open: { tunnels: number } }).open.tunnels, 0);
  });

  test('kill switch, quarantine, budgets, policy, pins, replay through the API', async () => {
    const k = await api.call('POST', '/api/v1/kill', { token: tok.root, body: { on: true, tenant: 'other', reason: 'drill' } });
    assert.equal(k.status, 200, k.text);
    assert.equal((await api.call('GET', '/api/v1/kill', { token: tok.carol })).body.kills instanceof Array, true);
    const off = await api.call('POST', '/api/v1/kill', { token: tok.root, body: { on: false, tenant: 'other' } });
    assert.equal(off.status, 200, off.text);
    assert.equal((off.body.lifted as unknown[]).length, 1);
    const offAgain = await api.call('POST', '/api/v1/kill', { token: tok.root, body: { on: false, tenant: 'other' } });
    assert.equal(offAgain.status, 404);
    // A global kill: agents are refused, the gate stays ready (and says it is killed), the API stays usable to lift it.
    assert.equal((await api.call('POST', '/api/v1/kill', { token: tok.root, body: { on: true, reason: 'drill' } })).status, 200);
    assert.equal((await send('s-echo', 'GET', '/echo')).status, 503);
    const killedReady = await api.call('GET', '/readyz');
    assert.equal(killedReady.status, 200, killedReady.text);
    assert.deepEqual(killedReady.body.checks, { state: 'ok', audit: 'ok', killed: true });
    assert.equal((await api.call('POST', '/api/v1/kill', { token: tok.root, body: { on: false } })).status, 200);
    assert.equal((await send('s-echo', 'GET', '/echo')).status, 200);

    const q = await api.call('POST', '/api/v1/quarantines', { token: tok.root, body: { target: 'evil.example', reason: 'exfil' } });
    assert.equal(q.status, 201, q.text);
    const qid = (q.body.quarantine as { id: string }).id;
    const lift = await api.call('DELETE', `/api/v1/quarantines/${qid}`, { token: tok.root });
    assert.equal(lift.status, 200, lift.text);
    const bad = await api.call('POST', '/api/v1/quarantines', { token: tok.root, body: { target: 'not a host!' } });
    assert.equal(bad.status, 400, bad.text);

    const valid = await api.call('POST', '/api/v1/policy/validate', { token: tok.carol, body: { config: 'version: 1\nrules: []\n' } });
    assert.equal(valid.status, 200, valid.text);
    assert.equal(valid.body.valid, true);
    const invalid = await api.call('POST', '/api/v1/policy/validate', { token: tok.carol, body: { config: 'version: 1\nrules:\n  - id: x\n    hosts: 7\n' } });
    assert.equal(invalid.body.valid, false);
    assert.ok(
      (invalid.body.problems as Array<{ line: number | null }>).some((p) => p.line === 4),
      invalid.text,
    );
    const badBody = await api.call('POST', '/api/v1/policy/validate', { token: tok.carol, body: { nope: 1 } });
    assert.equal(badBody.status, 400);
    const unknownQuery = await api.call('GET', '/api/v1/decisions?outcom=deny', { token: tok.carol });
    assert.equal(unknownQuery.status, 400);

    // Replay against a deny-everything candidate: what the trail allowed so far would be denied.
    const replay = await api.call('POST', '/api/v1/policy/replay', { token: tok.carol, body: { config: 'version: 1\n' } });
    assert.equal(replay.status, 200, replay.text);
    assert.ok(((replay.body.counts as Record<string, number>).newly_denied ?? 0) >= 1, replay.text);
    const badCandidate = await api.call('POST', '/api/v1/policy/replay', { token: tok.carol, body: { config: 'version: 1\nrules: 7\n' } });
    assert.equal(badCandidate.status, 400, badCandidate.text);
    const metrics = await api.call('GET', '/metrics', { token: tok.carol });
    // /metrics on the admin listener (auditor and up): the families after the traffic above.
    assert.equal(metrics.status, 200, metrics.text);
    for (const family of [
      'sluice_requests_total',
      'sluice_gate_duration_seconds',
      'sluice_upstream_duration_seconds',
      'sluice_open_tunnels',
      'sluice_approvals_pending',
      'sluice_audit_backlog',
    ]) {
      assert.match(metrics.text, new RegExp(`^# TYPE ${family} `, 'm'), family);
    }
    assert.match(metrics.text, /^sluice_requests_total\{[^}]*outcome="allow"[^}]*\} [1-9]/m);
    assert.ok(!metrics.text.includes(CANARY), 'no secret in the metrics');
    assert.equal((await api.call('GET', '/metrics')).status, 401, 'metrics need a token');
  });

  test('budgets: what a session used, and a raise through the API', async () => {
    assert.equal((await send('s-bud', 'GET', '/echo')).status, 200);
    type Account = { budget: string; subject: string; metrics: { calls: { used: number; limit: number } } };
    const acct = await waitFor('the session in its budget', async () => {
      const a = await api.call('GET', '/api/v1/budgets?per=session&subject=s-bud', { token: tok.carol });
      return (a.body.accounts as Account[] | undefined)?.find((x) => x.metrics.calls.used >= 1);
    });
    assert.deepEqual([acct.budget, acct.subject, acct.metrics.calls.limit], ['per-session', 's-bud', 1000]);
    const byApprover = await api.call('POST', '/api/v1/budgets/raise', {
      token: tok.alice,
      body: { budget: 'per-session', tenant: 'acme', subject: 's-bud', by: 5 },
    });
    assert.equal(byApprover.status, 403);
    const raised = await api.call('POST', '/api/v1/budgets/raise', {
      token: tok.root,
      body: { budget: 'per-session', tenant: 'acme', subject: 's-bud', by: 5 },
    });
    assert.equal(raised.status, 200, raised.text);
    assert.equal((raised.body.account as Account).metrics.calls.limit, 1005);
    const unknown = await api.call('POST', '/api/v1/budgets/raise', { token: tok.root, body: { budget: 'nope', tenant: 'acme', subject: 's-bud', by: 5 } });
    assert.equal(unknown.status, 404);
    // The session is read from the trail, where the finished request's record lands at the
    // writer thread's next commit (up to ~120 ms): wait for it there.
    const detail = await waitFor('the session in the trail', async () => {
      const r = await api.call('GET', '/api/v1/sessions/s-bud?tenant=acme', { token: tok.carol });
      return r.status === 404 ? undefined : r;
    });
    assert.equal(detail.status, 200, detail.text);
    assert.ok(
      (detail.body.budgets as Account[]).some((x) => x.budget === 'per-session' && x.metrics.calls.limit === 1005),
      detail.text,
    );
  });

  test('an operator token revoked by id is refused; the operator’s other tokens still work', async () => {
    const t1 = await operatorToken(d.configFile, 'erin', 'auditor');
    const t2 = await operatorToken(d.configFile, 'erin', 'auditor');
    assert.equal((await api.call('GET', '/api/v1/kill', { token: t1 })).status, 200);
    const rec = await waitFor('erin’s token id in the admin records', async () => {
      const a = await api.call('GET', '/api/v1/decisions?protocol=admin&agent=erin&limit=5', { token: tok.root });
      return (a.body.decisions as Array<{ session: string }>)[0];
    });
    const r = await sluice(['operator', 'revoke', '--id', rec.session, '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    const refused = await api.call('GET', '/api/v1/kill', { token: t1 });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'operator_token_revoked');
    assert.equal((await api.call('GET', '/api/v1/kill', { token: t2 })).status, 200);
  });

  test('policy history: a reload adds a version with its diff', async () => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const text = await readFile(d.configFile, 'utf8');
    await writeFile(d.configFile, text.replace('  - id: rest\n', '  - id: rest\n    methods: [GET, POST]\n'));
    const h = await waitFor(
      'the reload in the history',
      async () => {
        const a = await api.call('GET', '/api/v1/policy/history', { token: tok.carol });
        const versions = a.body.versions as Array<{ version: string; diff: string | null; previous: string | null }>;
        return versions.length >= 2 ? versions : undefined;
      },
      15_000,
      200,
    );
    assert.equal(h[0]!.previous, h[1]!.version);
    assert.match(h[0]!.diff!, /^\+ {4}methods: \[GET, POST\]$/m);
    const cur = await api.call('GET', '/api/v1/policy', { token: tok.carol });
    assert.equal(cur.body.version, h[0]!.version);
  });

  test('decisions: search and the live stream', async () => {
    const ctl = new AbortController();
    const res = await fetch(`http://127.0.0.1:${api.port}/api/v1/decisions/stream?session=s-echo`, {
      headers: { authorization: `Bearer ${tok.carol}` },
      signal: ctl.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const sent = send('s-echo', 'GET', '/echo');
    await waitFor(
      'a decision event',
      async () => {
        const chunk = (await reader.read()) as { value?: Uint8Array };
        text += Buffer.from(chunk.value ?? new Uint8Array()).toString();
        return /event: decision\n/.test(text) ? true : undefined;
      },
      10_000,
      0,
    );
    ctl.abort();
    await sent;
    const data = /data: (.*)\n/.exec(text)![1]!;
    assert.equal((JSON.parse(data) as { session: string }).session, 's-echo');
    api.texts.push(text);
    const s = await api.call('GET', '/api/v1/decisions?session=s-echo&limit=5', { token: tok.carol });
    assert.equal(s.status, 200, s.text);
    const ds = s.body.decisions as Array<{ rule: string; credential: string | null }>;
    assert.ok(
      ds.some((x) => x.rule === 'keyed' && x.credential === 'upstream_key'),
      s.text,
    );
    const sessions = await api.call('GET', '/api/v1/sessions?tenant=acme', { token: tok.carol });
    assert.ok((sessions.body.sessions as Array<{ session: string }>).some((x) => x.session === 's-echo'));
  });

  test('every call is in the audit trail as an admin record; no canary and no token in any answer or record', async () => {
    const a = await waitFor(
      'the admin records',
      async () => {
        const r = await api.call('GET', '/api/v1/decisions?protocol=admin&limit=1000', { token: tok.root });
        const recs = r.body.decisions as Array<Record<string, unknown>>;
        return recs.some((x) => x.reason === 'operator_token_revoked') && recs.some((x) => x.intent === 'admin.approvals.approve' && x.agent === 'alice')
          ? recs
          : undefined;
      },
      10_000,
      200,
    );
    assert.ok(a.some((x) => x.reason === 'operator_token_missing' && x.status === 401));
    assert.ok(a.some((x) => x.reason === 'role_insufficient' && x.agent === 'carol' && x.status === 403));
    assert.ok(a.every((x) => x.tenant === null || x.tenant === 'sluice:operators'));
    const all = await sluice(['audit', 'query', '--json', '--limit', '100000', '--config', d.configFile]);
    const everything = [...api.texts, JSON.stringify(a), all.stdout].join('\n');
    assert.ok(!everything.includes(CANARY), 'the canary reached an admin answer or an audit record');
    for (const t of Object.values(tok)) assert.ok(!all.stdout.includes(t) && !JSON.stringify(a).includes(t), 'an operator token reached the audit trail');
    assert.ok(!gate.stderr().includes(tok.root), 'an operator token reached the log');
  });
});
