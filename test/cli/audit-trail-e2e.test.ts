/**
 * An audit trail that reads well: a git operation under `sluice run` leaves no refused
 * record behind; a client's unauthenticated first try is a `challenge`, not a deny;
 * `audit query` shows reason and port and filters on `--reason`; an expired but validly
 * signed token's refusal names the agent and session it carried.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, waitFor, waitForAudit } from '../helpers/cli-e2e.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { upstreamPki } from '../helpers/pki.js';

const UPSTREAM_ADDR = '127.0.0.2';
const gitEnv: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };

describe('audit trail e2e', () => {
  let gs: GitServer;
  let d: InitDir;
  let gate: CliGate;

  before(async () => {
    const pki = await upstreamPki();
    gs = await startGitServer({ name: 'git.upstream.test', host: UPSTREAM_ADDR });
    d = await initDir(`  - id: git
    hosts: [git.upstream.test]
dns:
  hosts:
    git.upstream.test: ${UPSTREAM_ADDR}
network:
  allow_private: [${UPSTREAM_ADDR}/32]
tls:
  upstream_ca: ${pki.caFile}
`);
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    await gate?.stop();
    await gs?.close();
  });

  /** A raw CONNECT through the gate, with this Proxy-Authorization (or none): the status it answered. */
  const connect = (auth: string | null): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: gate.port,
        method: 'CONNECT',
        path: 'git.upstream.test:4443',
        headers: auth === null ? {} : { 'proxy-authorization': auth },
      });
      req.on('connect', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  test('git ls-remote under sluice run: allowed, and no identity_required record at all', async () => {
    const r = await sluice(['run', '--config', d.configFile, '--gate', gate.address, '--agent', 'git-bot', '--', 'git', 'ls-remote', gs.repoUrl], {
      env: gitEnv,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${gs.head}\\trefs/heads/main$`, 'm'));
    await waitForAudit(d.configFile, (a) => a.host === 'git.upstream.test' && a.outcome === 'allow' && a.agent === 'git-bot');
    assert.deepEqual(await auditQuery(d.configFile, ['--reason', 'identity_required']), []);
  });

  test('a CONNECT with no credentials is answered 407 and recorded as a challenge; the table shows REASON and PORT', async () => {
    assert.equal(await connect(null), 407);
    const rec = await waitForAudit(d.configFile, (a) => a.port === 4443, ['--reason', 'identity_required']);
    assert.equal(rec.outcome, 'challenge');
    assert.equal((await auditQuery(d.configFile, ['--outcome', 'deny', '--reason', 'identity_required'])).length, 0);
    const table = await sluice(['audit', 'query', '--outcome', 'challenge', '--config', d.configFile]);
    assert.equal(table.code, 0, table.stderr);
    const [head, row] = table.stdout.split('\n');
    assert.match(head!, /^TIME +OUTCOME +REASON +METHOD +HOST +PORT /);
    assert.match(row!, / challenge +identity_required +CONNECT +git\.upstream\.test +4443 /);
  });

  test('an expired but validly signed token: refused, and the record names its agent and session', async () => {
    const t = await sluice(['token', '--tenant', 'acme', '--agent', 'late-bot', '--session', 'ses_expired', '--ttl', '1s', '--config', d.configFile]);
    assert.equal(t.code, 0, t.stderr);
    const auth = `Basic ${Buffer.from(`sluice:${t.stdout.trim()}`).toString('base64')}`;
    // Wait until the gate refuses it as expired (past the token's second plus the clock tolerance).
    await waitFor('the token to expire', async () => ((await connect(auth)) === 407 ? true : undefined), 10_000, 250);
    const rec = await waitForAudit(d.configFile, (a) => a.reason === 'identity_expired', ['--reason', 'identity_expired']);
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.agent, 'late-bot');
    assert.equal(rec.session, 'ses_expired');
    assert.equal(rec.tenant, 'acme');
  });
});
