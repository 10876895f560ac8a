import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

const UPSTREAM_ADDR = '127.0.0.2';
/** AWS's documented example key id (not a credential). */
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

describe('git push over smart HTTP through the gate: DLP reads the packfile', () => {
  let gs: GitServer;
  let g: TestGate;
  let work: string;
  const env = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: work,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Agent',
    GIT_AUTHOR_EMAIL: 'agent@example.invalid',
    GIT_COMMITTER_NAME: 'Agent',
    GIT_COMMITTER_EMAIL: 'agent@example.invalid',
    https_proxy: g.proxyUrl,
    HTTPS_PROXY: g.proxyUrl,
    GIT_SSL_CAINFO: g.caFile,
  });
  const git = async (args: string[], cwd = work): Promise<{ code: number | null; stderr: string }> =>
    exec('git', ['-C', cwd, ...args], { env: env(), timeoutMs: 20_000 });

  before(async () => {
    gs = await startGitServer({ name: 'git.upstream.test', host: UPSTREAM_ADDR, push: true });
    g = await startTestGate(`
dns:
  hosts:
    git.upstream.test: ${UPSTREAM_ADDR}
network:
  allow_private: [${UPSTREAM_ADDR}/32]
rules:
  - id: git
    hosts: [git.upstream.test]
`);
    work = await mkdtemp(join(tmpdir(), 'sluice-push-'));
    const r = await exec('git', ['clone', '-q', gs.repoUrl, join(work, 'repo')], { env: env(), timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await g.close();
    await gs.close();
    await rm(work, { recursive: true, force: true });
  });

  test('a commit carrying an AWS key is refused with a DLP finding, and the server never receives the pack', async () => {
    const repo = join(work, 'repo');
    await writeFile(join(repo, 'deploy.env'), `REGION=eu-west-1\nAWS_ACCESS_KEY_ID=${AWS_KEY}\n`);
    assert.equal((await git(['add', 'deploy.env'], repo)).code, 0);
    assert.equal((await git(['commit', '-q', '-m', 'add deploy settings'], repo)).code, 0);
    const served = gs.seen.filter((s) => s.url.endsWith('/git-receive-pack')).length;
    const r = await git(['push', 'origin', 'HEAD:main'], repo);
    assert.notEqual(r.code, 0, 'the push must fail');
    assert.match(r.stderr, /403/);
    assert.equal(gs.seen.filter((s) => s.url.endsWith('/git-receive-pack')).length, served, 'no receive-pack request reached the server');
    const rec = g.audit.records.find((a) => a.path?.endsWith('/git-receive-pack') && a.outcome === 'deny');
    assert.ok(rec, 'an audit record for the refused push');
    assert.ok(
      rec.findings?.some((f) => f.type === 'aws_access_key_id' && (f.encoding ?? '').startsWith('git-pack')),
      JSON.stringify(rec.findings),
    );
    assert.ok(!JSON.stringify(rec).includes(AWS_KEY), 'the key is not in the audit record');
  });

  test('a clean commit pushes through', async () => {
    const repo = join(work, 'repo');
    assert.equal((await git(['reset', '-q', '--hard', 'origin/main'], repo)).code, 0);
    await writeFile(join(repo, 'NOTES.md'), `# notes\n\nbuild ${'0123456789abcdef'.repeat(2)} passed; see run 8f14e45f-ceea-467a-9575-a1b2c3d4e5f6.\n`);
    assert.equal((await git(['add', 'NOTES.md'], repo)).code, 0);
    assert.equal((await git(['commit', '-q', '-m', 'notes'], repo)).code, 0);
    const r = await git(['push', 'origin', 'HEAD:main'], repo);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(gs.seen.some((s) => s.url.endsWith('/git-receive-pack') && s.status === 200));
  });
});
