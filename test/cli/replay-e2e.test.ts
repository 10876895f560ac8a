/**
 * Issue #18's must-show for replay: a real gate from `sluice start`, a varied "day" of
 * traffic through it from real clients under `sluice run` (Python's urllib for plain
 * HTTP, intercepted HTTPS with a credential and a passthrough tunnel; the MCP SDK client
 * for tool calls), then `sluice replay` with a stricter candidate lists exactly the
 * requests its new rules deny, and with a looser one exactly those it newly allows.
 * The expected sets come from what the test sent, not from the trail.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { PolicyReplay } from '../../src/audit/replay-policy.js';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, userEnv, waitFor } from '../helpers/cli-e2e.js';
import { startMcpHttp, type McpHttpServer } from '../helpers/mcp-server.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const MCP_CLIENT = fileURLToPath(new URL('../fixtures/mcp-client.js', import.meta.url));

/** Python urllib: one request per JSON item `[method, url, insecure]`; prints `status method url` per line. */
const PY_DAY = [
  'import sys, json, ssl, urllib.request, urllib.error',
  'for method, url, insecure in json.loads(sys.argv[1]):',
  '    ctx = ssl._create_unverified_context() if insecure else None',
  '    req = urllib.request.Request(url, method=method, data=(b"x" if method in ("POST", "PUT") else None))',
  '    try:',
  '        code = urllib.request.urlopen(req, timeout=10, context=ctx).status',
  '    except urllib.error.HTTPError as e:',
  '        code = e.code',
  '    print(code, method, url, flush=True)',
].join('\n');

/** The rules in force for the day; a candidate is this text with edits. */
function rules(extra: { before?: string; admin?: boolean; toolDelete?: 'deny' | 'allow' } = {}): string {
  return `${extra.before ?? ''}  - id: api-admin-deny
    action: ${extra.admin === false ? 'allow' : 'deny'}
    hosts: [api.upstream.test]
    paths: ["/admin/**"]
  - id: api-read
    hosts: [api.upstream.test]
    methods: [GET]
  - id: api-write
    agents: [coder]
    hosts: [api.upstream.test]
    methods: [POST, DELETE]
  - id: files-rw
    hosts: [files.upstream.test]
    methods: [GET, PUT, DELETE]
    credential:
      secret: files_token
      header: authorization
      value: "Bearer {{secret}}"
  - id: tunnel
    hosts: [tunnel.upstream.test]
  - id: tickets-server
    hosts: [tickets.acme.test]
  - id: tickets-create
    mcp: { servers: [tickets.acme.test], tools: ["tickets.create", "web.*"] }
  - id: tickets-no-delete
    action: ${extra.toolDelete ?? 'deny'}
    mcp: { servers: [tickets.acme.test], tools: ["tickets.delete"] }
`;
}

describe('sluice replay over a recorded day of traffic', () => {
  let plain: Upstream;
  let tls: Upstream;
  let mcp: McpHttpServer;
  let d: InitDir;
  let gate: CliGate | undefined;
  let tail: string;
  /** Every HTTP request the day sent: [agent, method, url]. */
  const sent: [string, string, string][] = [];
  /** Every tool call the day made: [agent, tool]. */
  const calls: [string, string][] = [];

  before(async () => {
    const pki = await upstreamPki();
    plain = await startUpstream();
    tls = await startUpstream({ tls: true, names: ['files.upstream.test', 'tunnel.upstream.test'] });
    mcp = await startMcpHttp({ tls: true, names: ['tickets.acme.test'] });
    tail = `dns:
  hosts:
    api.upstream.test: 127.0.0.1
    files.upstream.test: 127.0.0.1
    tunnel.upstream.test: 127.0.0.1
    tickets.acme.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${pki.caFile}
  passthrough: [tunnel.upstream.test]
`;
    d = await initDir(rules() + tail);
    const set = await sluice(['secret', 'set', 'files_token', '--config', d.configFile], { input: 'files-token-value\n' });
    assert.equal(set.code, 0, set.stderr);
    gate = await startCliGate(d.configFile);

    const api = `http://api.upstream.test:${plain.port}`;
    const files = `https://files.upstream.test:${tls.port}`;
    const tunnel = `https://tunnel.upstream.test:${tls.port}`;
    const day: Record<string, [string, string, boolean][]> = {
      coder: [
        ['GET', `${api}/items/1`, false],
        ['POST', `${api}/items`, false],
        ['DELETE', `${api}/items/2`, false],
        ['GET', `${api}/admin/users`, false],
        ['GET', `${files}/f/a.txt`, false],
        ['PUT', `${files}/f/b.txt`, false],
        ['DELETE', `${files}/f/old-1.txt`, false],
        ['DELETE', `${files}/f/old-2.txt`, false],
        ['POST', `${files}/f/upload`, false],
        ['GET', `${tunnel}/t/1`, true],
      ],
      'support-bot': [
        ['GET', `${api}/items/3`, false],
        ['POST', `${api}/items`, false],
        ['GET', `${api}/admin/settings`, false],
        ['DELETE', `${files}/f/support-old.txt`, false],
        ['GET', `${files}/f/c.txt`, false],
        ['GET', `${tunnel}/t/2`, true],
      ],
    };
    for (const [agent, list] of Object.entries(day)) {
      const r = await sluice(['run', '--config', d.configFile, '--gate', gate.address, '--agent', agent, '--', 'python3', '-c', PY_DAY, JSON.stringify(list)], {
        env: userEnv,
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim().split('\n').length, list.length, r.stdout + r.stderr);
      for (const [method, url] of list) sent.push([agent, method, url]);
    }
    // MCP tool calls, from the SDK client: two creates, a web.fetch, a delete (denied today).
    const steps = [
      'call:tickets.create:{"title":"a"}',
      'call:web.fetch:{"url":"https://example.com/"}',
      'call:tickets.delete:{"id":"7"}',
      'call:tickets.create:{"title":"b"}',
    ];
    const r = await sluice(
      [
        'run',
        '--config',
        d.configFile,
        '--gate',
        gate.address,
        '--agent',
        'coder',
        '--',
        process.execPath,
        MCP_CLIENT,
        `https://tickets.acme.test:${mcp.port}/mcp`,
        ...steps,
      ],
      { env: userEnv, timeoutMs: 30_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    for (const s of steps) calls.push(['coder', s.split(':')[1]!]);
    // Every request and tool call is in audit.db before replaying it.
    await waitFor(
      'the day in audit.db',
      async () => {
        const recs = await auditQuery(d.configFile, ['--limit', '1000']);
        const tools = recs.filter((x) => x.protocol === 'mcp' && x.method === 'tools/call').length;
        const http = recs.filter((x) => x.protocol === null && x.agent !== null && x.host !== 'tickets.acme.test').length;
        return tools >= calls.length && http >= sent.length ? true : undefined;
      },
      10_000,
      100,
    );
  });
  after(async () => {
    await gate?.stop();
    await Promise.all([plain?.close(), tls?.close(), mcp?.close()]);
  });

  async function replay(candidate: string, extra: readonly string[] = []): Promise<{ code: number; out: string; result: PolicyReplay }> {
    const file = join(d.dir, `candidate-${Math.random().toString(36).slice(2)}.yaml`);
    const base = (await import('node:fs/promises')).readFile;
    const current = await base(d.configFile, 'utf8');
    // The candidate is the config with the rules replaced: same data_dir, secrets, dns.
    await writeFile(file, current.replace(rules() + tail, candidate + tail));
    const json = await sluice(['replay', '--policy', file, '--config', d.configFile, '--json', ...extra]);
    const text = await sluice(['replay', '--policy', file, '--config', d.configFile, ...extra]);
    assert.equal(text.code, json.code, text.stderr);
    return { code: json.code ?? -1, out: text.stdout, result: JSON.parse(json.stdout) as PolicyReplay };
  }

  const key = (method: string, url: string): string => {
    const u = new URL(url);
    return `${method} ${u.hostname}${u.pathname}`;
  };

  test('a stricter policy: replay lists exactly the DELETEs on files.upstream.test and the tickets.create calls', async () => {
    const stricter = rules({
      before: `  - id: no-file-deletes
    action: deny
    hosts: [files.upstream.test]
    methods: [DELETE]
  - id: no-ticket-create
    action: deny
    mcp: { servers: [tickets.acme.test], tools: ["tickets.create"] }
`,
    });
    const { code, out, result } = await replay(stricter);
    if (process.env.REPLAY_SHOW) process.stderr.write(out);
    assert.equal(code, 0, 'replay exits 0 when things change');
    const expectedHttp = sent.filter(([, m, u]) => m === 'DELETE' && new URL(u).hostname === 'files.upstream.test').map(([, m, u]) => key(m, u));
    assert.equal(expectedHttp.length, 3);
    const expectedTools = calls.filter(([, t]) => t === 'tickets.create').map(([, t]) => t);
    const denied = result.entries.filter((e) => e.class === 'newly_denied');
    assert.deepEqual(
      denied
        .filter((e) => e.protocol === null)
        .map((e) => `${e.method} ${e.host}${e.path}`)
        .sort(),
      [...expectedHttp].sort(),
    );
    assert.deepEqual(
      denied.filter((e) => e.protocol === 'mcp').map((e) => e.tool),
      expectedTools,
    );
    for (const e of denied) assert.equal(e.new?.rule, e.protocol === 'mcp' ? 'no-ticket-create' : 'no-file-deletes');
    assert.equal(result.counts.newly_allowed, 0);
    assert.equal(result.counts.undecidable, 0, JSON.stringify(result.entries.filter((e) => e.class === 'undecidable')));
    assert.equal(result.counts.credential_changed + result.counts.route_changed + result.counts.approval_changed, 0);
    // Everything else the day sent is there, unchanged: the tunnels and the MCP transport too.
    assert.ok(
      result.entries.some((e) => e.host === 'tunnel.upstream.test' && e.class === 'unchanged'),
      'the tunnels are replayed',
    );
    assert.equal(result.counts.newly_denied, expectedHttp.length + expectedTools.length);
    // The text report: the summary and each changed request with its decision id and old → new.
    assert.match(out, new RegExp(`^ {2}newly denied +${expectedHttp.length + expectedTools.length}$`, 'm'));
    for (const e of denied) {
      assert.match(
        out,
        new RegExp(`^ {2}${e.decision_id} .* (allow|deny) \\((files-rw|tickets-create)[^)]*\\) → deny \\((no-file-deletes|no-ticket-create)\\)$`, 'm'),
      );
    }
    assert.ok(!out.includes('files-token-value'), 'no secret value in the report');
    // The ids are the trail's own.
    const trail = new Set((await auditQuery(d.configFile, ['--limit', '1000'])).map((r) => r.decision_id));
    for (const e of denied) assert.ok(trail.has(e.decision_id));
    // --fail-on-change: 1 for CI.
    assert.equal((await replay(stricter, ['--fail-on-change'])).code, 1);
  });

  test('a looser policy: replay lists exactly the /admin requests and the tickets.delete call as newly allowed', async () => {
    const { result, out } = await replay(rules({ admin: false, toolDelete: 'allow' }));
    const expectedHttp = sent.filter(([, , u]) => new URL(u).pathname.startsWith('/admin/')).map(([, m, u]) => key(m, u));
    assert.equal(expectedHttp.length, 2);
    const allowed = result.entries.filter((e) => e.class === 'newly_allowed');
    assert.deepEqual(
      allowed
        .filter((e) => e.protocol === null)
        .map((e) => `${e.method} ${e.host}${e.path}`)
        .sort(),
      [...expectedHttp].sort(),
    );
    assert.deepEqual(
      allowed.filter((e) => e.protocol === 'mcp').map((e) => e.tool),
      calls.filter(([, t]) => t === 'tickets.delete').map(([, t]) => t),
    );
    assert.equal(result.counts.newly_denied, 0);
    assert.match(out, /^newly allowed:$/m);
  });

  test('the same policy: nothing changes, and --fail-on-change exits 0', async () => {
    const { code, result, out } = await replay(rules(), ['--fail-on-change']);
    assert.equal(code, 0);
    assert.equal(result.counts.unchanged, result.entries.length - result.counts.not_replayed);
    assert.match(out, /no request would be answered differently/);
    // --tenant narrows the window to one tenant's records: the day ran in tenant default only.
    assert.equal((await replay(rules(), ['--tenant', 'nobody'])).result.entries.length, 0);
    assert.equal((await replay(rules(), ['--tenant', 'default'])).result.entries.length, result.entries.length);
  });

  test('another credential is reported as credential_changed', async () => {
    const { result } = await replay(rules().replace('secret: files_token', 'secret: files_token_v2'));
    const changed = result.entries.filter((e) => e.class === 'credential_changed');
    const expected = sent.filter(([, , u]) => new URL(u).hostname === 'files.upstream.test').map(([, m, u]) => key(m, u));
    // POST is not in files-rw's methods: denied both times, so no credential either way.
    assert.deepEqual(changed.map((e) => `${e.method} ${e.host}${e.path}`).sort(), expected.filter((k) => !k.startsWith('POST')).sort());
    for (const e of changed) assert.deepEqual([e.old?.credential, e.new?.credential], ['files_token', 'files_token_v2']);
  });
});
