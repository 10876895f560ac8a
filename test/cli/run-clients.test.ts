import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ExecResult } from '../helpers/exec.js';
import { initDir, logAuditOn, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

interface Deny {
  error: string;
  reason: string;
  rule: string | null;
  decision_id: string;
}

// Upstreams live on 127.0.0.2 and only that address is opted in to private routing,
// so 127.0.0.1 (the `0x7f.1` spelling) stays an SSRF target for these tests.
const UPSTREAM_ADDR = '127.0.0.2';

/** What a user's shell might carry: a NO_PROXY that would bypass the gate if `sluice run` kept it. */
const userEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NO_PROXY: '*',
  no_proxy: '*',
  // Hermetic git: no user or system config (credential helpers, proxies, rewrites).
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
};

function parseDeny(text: string): Deny {
  try {
    return JSON.parse(text) as Deny;
  } catch {
    throw new assert.AssertionError({ message: `expected a JSON deny body, got ${JSON.stringify(text)}` });
  }
}

/** Wait (bounded) until the gate has logged the audit record for `decisionId`. */
async function auditRecord(gate: CliGate, match: (a: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const until = Date.now() + 5000;
  for (;;) {
    const hit = gate.logLines().find((l) => l.msg === 'audit' && match(l.audit as Record<string, unknown>));
    if (hit) return hit.audit as Record<string, unknown>;
    if (Date.now() > until) throw new Error(`no matching audit record; gate stderr:\n${gate.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('sluice run with real clients, through a gate from sluice start', () => {
  let up: Upstream;
  let gs: GitServer;
  let d: InitDir;
  let gate: CliGate | undefined;
  let origin: string;

  const run = (cmd: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ExecResult> =>
    sluice(['run', '--config', d.configFile, '--gate', gate!.address, '--', ...cmd], { env: userEnv, timeoutMs: 20_000, ...opts });

  before(async () => {
    const pki = await upstreamPki();
    up = await startUpstream({ tls: true, host: UPSTREAM_ADDR, names: ['api.upstream.test'] });
    gs = await startGitServer({ name: 'git.upstream.test', host: UPSTREAM_ADDR });
    origin = `https://api.upstream.test:${up.port}`;
    d = await initDir(`  - id: upstream
    hosts: [api.upstream.test]
  - id: git
    hosts: [git.upstream.test]
dns:
  hosts:
    api.upstream.test: ${UPSTREAM_ADDR}
    git.upstream.test: ${UPSTREAM_ADDR}
    other.upstream.test: ${UPSTREAM_ADDR}
network:
  allow_private: [${UPSTREAM_ADDR}/32]
tls:
  upstream_ca: ${pki.caFile}
`);
    // The clients' records are read from the gate's stderr (log.audit: true) as they come.
    await logAuditOn(d.configFile);
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    await gate?.stop();
    await up?.close();
    await gs?.close();
  });

  describe('curl', () => {
    test('reads the upstream body over intercepted HTTPS with no --cacert and no --proxy flag', async () => {
      const before = up.seen.length;
      const r = await run(['curl', '-sS', `${origin}/`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hello from upstream\n');
      // It went through the gate (which adds Via), not around it.
      const got = up.seen.slice(before);
      assert.equal(got.length, 1);
      assert.match(String(got[0]!.headers.via), /sluice/);
      const rec = await auditRecord(gate!, (a) => a.host === 'api.upstream.test' && a.outcome === 'allow');
      assert.equal(rec.rule, 'upstream');
      assert.equal(rec.transport, 'intercept');
    });

    test('a host no rule allows: the 403 JSON policy_denied body, with a decision id the audit log knows', async () => {
      const r = await run(['curl', '-sS', '-i', '--suppress-connect-headers', `https://other.upstream.test:${up.port}/`]);
      assert.equal(r.code, 0, r.stderr);
      const split = r.stdout.indexOf('\r\n\r\n');
      const head = r.stdout.slice(0, split);
      assert.match(head, /^HTTP\/1\.1 403/);
      assert.match(head, /^content-type: application\/json/im);
      const body = parseDeny(r.stdout.slice(split + 4));
      assert.equal(body.error, 'policy_denied');
      assert.equal(body.rule, 'default-deny');
      assert.match(body.decision_id, /^[0-9a-f-]{36}$/);
      assert.match(head, new RegExp(`^x-sluice-decision: ${body.decision_id}\r?$`, 'im'));
      const rec = await auditRecord(gate!, (a) => a.decision_id === body.decision_id);
      assert.equal(rec.outcome, 'deny');
      assert.equal(rec.host, 'other.upstream.test');
    });

    test('https://169.254.169.254/ (cloud metadata) → ssrf_blocked', async () => {
      const r = await run(['curl', '-sS', 'https://169.254.169.254/']);
      assert.equal(r.code, 0, r.stderr);
      const body = parseDeny(r.stdout);
      assert.equal(body.error, 'ssrf_blocked');
      assert.match(body.decision_id, /^[0-9a-f-]{36}$/);
    });

    test('http://0x7f.1/ (127.0.0.1 spelled in hex) → ssrf_blocked', async () => {
      const r = await run(['curl', '-sS', 'http://0x7f.1/']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(parseDeny(r.stdout).error, 'ssrf_blocked');
    });
  });

  describe('python urllib', () => {
    test('reads the upstream body', async () => {
      const r = await run([
        'python3',
        '-c',
        'import sys, urllib.request\nsys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())',
        `${origin}/`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hello from upstream\n');
    });

    test('a denied URL raises HTTPError 403 whose body says policy_denied', async () => {
      const r = await run([
        'python3',
        '-c',
        [
          'import sys, urllib.request, urllib.error',
          'try:',
          '    urllib.request.urlopen(sys.argv[1], timeout=10)',
          '    print("no error")',
          'except urllib.error.HTTPError as e:',
          '    print(e.code)',
          '    print(e.read().decode())',
        ].join('\n'),
        `https://other.upstream.test:${up.port}/`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const [status, ...rest] = r.stdout.split('\n');
      assert.equal(status, '403');
      assert.equal(parseDeny(rest.join('\n')).error, 'policy_denied');
    });
  });

  describe('node fetch (Node 20: works only through the preload sluice run adds)', () => {
    const script = `fetch(process.argv[1]).then(async (r) => process.stdout.write(r.status + '\\n' + (await r.text())), (e) => { console.error(e); process.exit(1); })`;

    test('reads the upstream body', async () => {
      const before = up.seen.length;
      const r = await run(['node', '-e', script, `${origin}/`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '200\nhello from upstream\n');
      assert.match(String(up.seen.slice(before)[0]?.headers.via), /sluice/);
    });

    test('a denied URL is a 403 policy_denied response', async () => {
      const r = await run(['node', '-e', script, `https://other.upstream.test:${up.port}/`]);
      assert.equal(r.code, 0, r.stderr);
      const [status, ...rest] = r.stdout.split('\n');
      assert.equal(status, '403');
      assert.equal(parseDeny(rest.join('\n')).error, 'policy_denied');
    });
  });

  describe('git over smart HTTP', () => {
    test('git ls-remote prints the commit of refs/heads/main', async () => {
      const r = await run(['git', 'ls-remote', gs.repoUrl]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${gs.head}\\trefs/heads/main$`, 'm'));
      assert.ok(
        gs.seen.some((s) => s.url.includes('/info/refs') && s.status === 200),
        JSON.stringify(gs.seen),
      );
      await auditRecord(gate!, (a) => a.host === 'git.upstream.test' && a.rule === 'git');
    });

    test('git clone fetches the commit and its file', async () => {
      // Into the working directory: an isolated run (the default where possible) writes nowhere else.
      const cwd = await mkdtemp(join(tmpdir(), 'sluice-clone-'));
      const dest = join(cwd, 'repo');
      const r = await run(['git', 'clone', '-q', gs.repoUrl, 'repo'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await readFile(join(dest, 'README.md'), 'utf8'), 'served through sluice\n');
      const rev = await run(['git', '-C', 'repo', 'rev-parse', 'HEAD'], { cwd });
      assert.equal(rev.stdout.trim(), gs.head);
      assert.ok(gs.seen.some((s) => s.method === 'POST' && s.url.endsWith('/git-upload-pack') && s.status === 200));
    });

    test('a repository on a host no rule allows fails, and git shows the 403', async () => {
      const r = await run(['git', 'ls-remote', gs.repoUrl.replace('git.upstream.test', 'other.upstream.test')]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /403/);
    });
  });
});
