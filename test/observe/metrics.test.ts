/**
 * `/metrics` after a real load through a real gate: allowed, denied, credentialed,
 * a DLP finding, an intercepted HTTPS request (curl) and a passthrough tunnel. Every
 * family the issue names is there with its bounded labels, the tunnel gauge sees the
 * open tunnel, and no secret (the credential, a query-string canary) is in the text.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { canary } from '../credentials/canary.js';
import { exec, SLUICE_BIN } from '../helpers/exec.js';
import { proxyAuth, proxyRequest, startTestGate, type TestGate } from '../helpers/gate.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { upstreamPki } from '../helpers/pki.js';
import { renderMetrics, scannerOf } from '../../src/observe/metrics.js';
import { LabelCap, OTHER } from '../../src/observe/label-cap.js';

/** The value of the sample `name{labels}` whose labels include every one in `want`, summed over the rest. */
function sample(text: string, name: string, want: Record<string, string> = {}): number | null {
  let found: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string | undefined> = Object.fromEntries(
      [...(m[3] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l): [string, string | undefined] => [l[1] ?? '', l[2]]),
    );
    if (Object.entries(want).every(([k, v]) => labels[k] === v)) found = (found ?? 0) + Number(m[4]);
  }
  return found;
}

/** A passthrough tunnel, open until the returned socket is ended. */
function openTunnel(g: TestGate, host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port: g.port, host: '127.0.0.1' }, () => {
      s.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\nProxy-Authorization: ${g.auth}\r\n\r\n`);
    });
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      s.off('data', onData);
      if (!/^HTTP\/1\.1 200/.test(head)) return reject(new Error(head));
      resolve(s);
    };
    s.on('data', onData);
    s.on('error', reject);
  });
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('metrics: /metrics after a real load', () => {
  const secret = canary('metrics');
  // Not secret-shaped (DLP would refuse it): a marker for the query string, which no metric may hold.
  const inQuery = `querymarker${process.pid}`;
  let g: TestGate;
  let up: Upstream;
  let tls: Upstream;
  let raw: Server;
  let rawPort = 0;
  before(async () => {
    up = await startUpstream();
    tls = await startUpstream({ tls: true, names: ['secure.upstream.test'] });
    raw = createServer((s) => s.on('data', (d) => s.write(d)));
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    rawPort = (raw.address() as { port: number }).port;
    g = await startTestGate(
      `
dns:
  hosts: { api.upstream.test: 127.0.0.1, keyed.upstream.test: 127.0.0.1, secure.upstream.test: 127.0.0.1, raw.upstream.test: 127.0.0.1 }
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${(await upstreamPki()).caFile}
  passthrough: [raw.upstream.test]
rules:
  - id: open
    hosts: [api.upstream.test, secure.upstream.test]
  - id: keyed
    hosts: [keyed.upstream.test]
    credential: { secret: api_key, header: authorization, value: "Bearer {{secret}}", allow_plaintext: true }
  - id: raw
    hosts: [raw.upstream.test]
budgets:
  daily: { per: tenant, window: 24h, calls: 100, rules: [open, keyed] }
`,
      { secrets: { api_key: secret } },
    );
  });
  after(async () => {
    await g.close();
    await up.close();
    await tls.close();
    await new Promise((r) => raw.close(r));
  });

  test('every family is there with its labels, the tunnel is counted while open, and no secret is in the text', async () => {
    const allowed = await proxyRequest(g, 'GET', `http://api.upstream.test:${up.port}/echo?ref=${inQuery}`);
    assert.equal(allowed.status, 200, allowed.body);
    const denied = await proxyRequest(g, 'GET', 'http://nowhere.example/');
    assert.equal(denied.status, 403);
    const keyed = await proxyRequest(g, 'GET', `http://keyed.upstream.test:${up.port}/echo`);
    assert.equal(keyed.status, 200);
    assert.equal(up.seen.at(-1)?.headers.authorization, `Bearer ${secret}`, 'the credential was injected');
    const leaked = await proxyRequest(g, 'POST', `http://api.upstream.test:${up.port}/upload`, { body: `key=${secret}` });
    assert.equal(leaked.status, 403, leaked.body);
    assert.equal((JSON.parse(leaked.body) as { error: string }).error, 'dlp_blocked');
    const curl = await exec('curl', [
      '-sS',
      '--proxy',
      g.proxyUrl,
      '--cacert',
      g.caFile,
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `https://secure.upstream.test:${tls.port}/echo`,
    ]);
    assert.equal(curl.stdout, '200', curl.stderr);

    const tunnel = await openTunnel(g, 'raw.upstream.test', rawPort);
    let text = (await renderMetrics()).body;
    assert.equal(sample(text, 'sluice_open_tunnels'), 1, 'the open tunnel is counted');
    assert.ok((sample(text, 'sluice_open_exchanges') ?? 0) >= 1);
    tunnel.end();
    await until('the tunnel record', () => Promise.resolve(g.audit.records.some((r) => r.transport === 'tunnel')));
    await until('budget use', async () => (sample((await renderMetrics()).body, 'sluice_budget_use_ratio', { budget: 'daily' }) ?? 0) > 0);

    const r = await renderMetrics();
    assert.match(r.contentType, /^text\/plain/);
    text = r.body;
    if (process.env.OBS_DUMP)
      console.log(
        text
          .split('\n')
          .filter((l) => l.startsWith('sluice_requests_total'))
          .join('\n'),
      );
    const count = (labels: Record<string, string>): number => sample(text, 'sluice_requests_total', labels) ?? 0;
    assert.ok(count({ outcome: 'allow', rule: 'open', tenant: 'acme', transport: 'http', protocol: 'http' }) >= 1, 'allowed');
    assert.ok(count({ outcome: 'deny', reason: 'no_rule_matched', rule: 'default-deny', tenant: 'acme' }) >= 1, 'denied');
    assert.ok(count({ outcome: 'allow', rule: 'keyed', tenant: 'acme' }) >= 1, 'credentialed');
    assert.ok(count({ outcome: 'deny', reason: 'dlp_blocked', rule: 'open' }) >= 1, 'refused by DLP');
    assert.ok(count({ outcome: 'allow', rule: 'open', transport: 'intercept' }) >= 1, 'intercepted HTTPS');
    assert.ok(count({ rule: 'raw', transport: 'tunnel' }) >= 1, 'the tunnel, once closed');
    assert.ok((sample(text, 'sluice_findings_total', { scanner: 'dlp', pattern: 'known_secret', action: 'block' }) ?? 0) >= 1, 'the finding');
    assert.ok((sample(text, 'sluice_gate_duration_seconds_count', { outcome: 'allow' }) ?? 0) >= 3, "the gate's own work");
    assert.ok((sample(text, 'sluice_gate_duration_seconds_count', { outcome: 'deny' }) ?? 0) >= 2, 'refusals are all gate work');
    assert.ok((sample(text, 'sluice_upstream_duration_seconds_count') ?? 0) >= 3, 'upstream latency');
    assert.ok((sample(text, 'sluice_request_duration_seconds_count') ?? 0) >= 5);
    assert.equal(sample(text, 'sluice_open_tunnels'), 0);
    assert.equal(sample(text, 'sluice_approvals_pending'), 0);
    assert.notEqual(sample(text, 'sluice_audit_backlog'), null);
    const ratio = sample(text, 'sluice_budget_use_ratio', { budget: 'daily' }) ?? 0;
    assert.ok(ratio > 0 && ratio <= 0.05, `3 or 4 calls of 100: ${ratio}`);
    assert.match(text, /# TYPE sluice_approval_wait_seconds histogram/);
    assert.match(text, /# TYPE sluice_process_cpu_seconds_total counter/);
    // Bounded labels: no session, token, URL, host or query.
    for (const bad of [secret, inQuery, 'upstream.test', '/echo', g.token]) assert.ok(!text.includes(bad), `metrics hold no ${bad.slice(0, 12)}`);
    assert.doesNotMatch(text, /session=|host=|path=|url=/);
  });
});

describe('metrics: bounded labels', () => {
  test('a label keeps its first values, then says other; absent says none', () => {
    const cap = new LabelCap(3);
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'a', null, ''].map((v) => cap.of(v)),
      ['a', 'b', 'c', OTHER, 'a', 'none', 'none'],
    );
    assert.equal(cap.of('x'.repeat(200)), OTHER);
  });

  test('finding types split into scanner and pattern', () => {
    assert.deepEqual(scannerOf('prompt_injection:instruction_override'), { scanner: 'prompt_injection', pattern: 'instruction_override' });
    assert.deepEqual(scannerOf('mcp_chain:write_execute'), { scanner: 'mcp_chain', pattern: 'write_execute' });
    assert.deepEqual(scannerOf('aws_access_key_id'), { scanner: 'dlp', pattern: 'aws_access_key_id' });
    assert.deepEqual(scannerOf('a2a_card_invalid'), { scanner: 'a2a', pattern: 'a2a_card_invalid' });
    assert.deepEqual(scannerOf('hostname_encoded_data'), { scanner: 'hostname', pattern: 'hostname_encoded_data' });
  });
});

describe('metrics: the request-path counter and histogram render as Prometheus reads them', () => {
  test('cumulative buckets, le inclusive, +Inf, sum and count', async () => {
    const { FastHistogram } = await import('../../src/observe/fast-metrics.js');
    const { Registry } = await import('prom-client');
    const reg = new Registry();
    const h = new FastHistogram('t_seconds', 'test', ['outcome'], [0.1, 1]);
    reg.registerMetric(h.metric);
    for (const v of [0.05, 0.1, 0.5, 2, Number.NaN]) h.child(['allow']).observe(v);
    const text = await reg.metrics();
    assert.equal(sample(text, 't_seconds_bucket', { outcome: 'allow', le: '0.1' }), 2);
    assert.equal(sample(text, 't_seconds_bucket', { outcome: 'allow', le: '1' }), 3);
    assert.equal(sample(text, 't_seconds_bucket', { outcome: 'allow', le: '+Inf' }), 4);
    assert.equal(sample(text, 't_seconds_count', { outcome: 'allow' }), 4);
    assert.equal(sample(text, 't_seconds_sum', { outcome: 'allow' }), 2.65);
    assert.match(text, /# TYPE t_seconds histogram/);
  });
});

describe('metrics: safe completion and containment time', () => {
  const secret = canary('slo');
  let g: TestGate;
  let up: Upstream;
  before(async () => {
    up = await startUpstream();
    g = await startTestGate(
      `
dns:
  hosts: { api.upstream.test: 127.0.0.1 }
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: open
    hosts: [api.upstream.test]
  - id: keyed
    hosts: [keyed.upstream.test]
    credential: { secret: api_key, header: authorization, value: "Bearer {{secret}}", allow_plaintext: true }
`,
      { secrets: { api_key: secret } },
    );
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  test('a clean session and a breached one are counted; revoking the breached one times its containment', async () => {
    const text0 = (await renderMetrics()).body;
    const before = {
      sessions: sample(text0, 'sluice_sessions_total') ?? 0,
      breached: sample(text0, 'sluice_sessions_breached_total') ?? 0,
      contained: sample(text0, 'sluice_containment_seconds_count') ?? 0,
    };
    const clean = proxyAuth(await g.mint({ session: 'ses_slo_clean' }));
    const leaky = proxyAuth(await g.mint({ session: 'ses_slo_leaky' }));
    assert.equal((await proxyRequest(g, 'GET', `http://api.upstream.test:${up.port}/echo`, { auth: clean })).status, 200);
    assert.equal((await proxyRequest(g, 'GET', `http://api.upstream.test:${up.port}/echo`, { auth: leaky })).status, 200);
    assert.equal((await proxyRequest(g, 'POST', `http://api.upstream.test:${up.port}/upload`, { auth: leaky, body: `k=${secret}` })).status, 403);
    const text1 = (await renderMetrics()).body;
    assert.equal((sample(text1, 'sluice_sessions_total') ?? 0) - before.sessions, 2);
    assert.equal((sample(text1, 'sluice_sessions_breached_total') ?? 0) - before.breached, 1);
    const r = await exec(process.execPath, [SLUICE_BIN, 'revoke', '--session', 'ses_slo_leaky', '--config', g.configFile]);
    assert.equal(r.code, 0, r.stderr);
    await until('containment observed', async () => (sample((await renderMetrics()).body, 'sluice_containment_seconds_count') ?? 0) > before.contained);
    // Revoking the clean session (no finding) times nothing.
    const r2 = await exec(process.execPath, [SLUICE_BIN, 'revoke', '--session', 'ses_slo_clean', '--config', g.configFile]);
    assert.equal(r2.code, 0, r2.stderr);
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal((sample((await renderMetrics()).body, 'sluice_containment_seconds_count') ?? 0) - before.contained, 1);
  });
});

describe('metrics: approvals pending and their wait', () => {
  test('a pending approval is counted, and its wait observed once it is approved', async () => {
    const up = await startUpstream();
    const g = await startTestGate(`
dns:
  hosts: { deploy.upstream.test: 127.0.0.1 }
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: deploy
    hosts: [deploy.upstream.test]
    action: approve
    approval: { approvers: [alice] }
`);
    try {
      const waits = (text: string): number => sample(text, 'sluice_approval_wait_seconds_count', { result: 'approved' }) ?? 0;
      const before = waits((await renderMetrics()).body);
      const r = await proxyRequest(g, 'POST', `http://deploy.upstream.test:${up.port}/upload`, { body: 'v=2' });
      assert.equal(r.status, 428, r.body);
      const id = (JSON.parse(r.body) as { approval: { id: string } }).approval.id;
      assert.equal(sample((await renderMetrics()).body, 'sluice_approvals_pending'), 1);
      const d = await exec(process.execPath, [SLUICE_BIN, 'approvals', 'approve', id, '--as', 'alice', '--config', g.configFile]);
      assert.equal(d.code, 0, d.stderr);
      await until('the wait observed', async () => waits((await renderMetrics()).body) > before);
      assert.equal(sample((await renderMetrics()).body, 'sluice_approvals_pending'), 0);
    } finally {
      await g.close();
      await up.close();
    }
  });
});
