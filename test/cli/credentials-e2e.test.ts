/**
 * Credential injection end to end, as an operator and an agent would meet it: the
 * secret set with `sluice secret set` (value on stdin), a gate from `sluice start`,
 * the agent run with `sluice run`, and the trail read back with `sluice audit query`.
 * A random canary is the secret; it must reach the upstream and nothing else.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initDir, logAuditOn, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, checkedVersion, runClient, startVersionOf, userEnv, waitForAudit } from '../helpers/cli-e2e.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const CANARY = `canary-${randomBytes(16).toString('hex')}`;
/** The canary and the spellings a leak would most likely take. */
const LEAK_FORMS = [CANARY, Buffer.from(CANARY).toString('base64'), Buffer.from(`Bearer ${CANARY}`).toString('base64'), Buffer.from(CANARY).toString('hex')];

interface Echo {
  url: string;
  headers: Record<string, string | undefined>;
}

function assertNoCanary(where: string, text: string): void {
  for (const form of LEAK_FORMS) assert.ok(!text.includes(form), `${where} holds the secret (as ${form === CANARY ? 'plain text' : 'an encoding'})`);
}

describe('credentials e2e: sluice secret set → sluice start → sluice run → sluice audit query', () => {
  let up: Upstream;
  let d: InitDir;
  let gate: CliGate | undefined;
  let version: string;
  let origin: string;

  before(async () => {
    const pki = await upstreamPki();
    up = await startUpstream({ tls: true, names: ['api.github.com'] });
    origin = `https://api.github.com:${up.port}`;
    d = await initDir(`  - id: github-read
    agents: [support-bot]
    hosts: [api.github.com]
    methods: [GET]
    paths: ["/repos/acme/**"]
    credential:
      secret: github_token
      header: authorization
      value: "Bearer {{secret}}"
dns:
  hosts:
    api.github.com: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${pki.caFile}
`);
    // The most talkative log level the starter offers: a leak into debug lines counts too.
    const cfg = await readFile(d.configFile, 'utf8');
    assert.match(cfg, /^ {2}level: info/m);
    await writeFile(d.configFile, cfg.replace(/^ {2}level: info/m, '  level: debug'));
    // And audit lines in the log too: they are checked for the secret as well.
    await logAuditOn(d.configFile);

    const set = await sluice(['secret', 'set', 'github_token', '--config', d.configFile], { input: `${CANARY}\n` });
    assert.equal(set.code, 0, set.stderr);
    assertNoCanary('sluice secret set output', set.stdout + set.stderr);
    gate = await startCliGate(d.configFile);
    version = startVersionOf(gate);
  });
  after(async () => {
    await gate?.stop();
    await up?.close();
  });

  test('the secret store on disk is encrypted: the canary is not in any file of the data dir', async () => {
    for (const e of await readdir(d.dir, { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || e.name.startsWith('audit.db')) continue; // audit.db is checked below, once there are records
      const file = join(e.parentPath, e.name);
      assertNoCanary(`${file} in the data dir`, (await readFile(file)).toString('latin1'));
    }
    const list = await sluice(['secret', 'list', '--config', d.configFile]);
    assert.match(list.stdout, /^github_token\t/m);
    assertNoCanary('sluice secret list', list.stdout);
  });

  test('curl as support-bot: the upstream receives the credential, the agent reads only a redaction marker', async () => {
    const before = up.seen.length;
    const r = await runClient(gate!, d.configFile, { agent: 'support-bot' }, 'curl', 'GET', `${origin}/repos/acme/x/echo`);
    assert.equal(r.status, 200, r.body);
    // The upstream (api.github.com, here the echo server) got the real header.
    const arrived = up.seen.slice(before);
    assert.equal(arrived.length, 1);
    assert.equal(arrived[0]!.url, '/repos/acme/x/echo');
    assert.equal(arrived[0]!.headers.authorization, `Bearer ${CANARY}`);
    // It echoed it back; what curl printed has it scrubbed.
    const echo = JSON.parse(r.body) as Echo;
    assert.equal(echo.headers.authorization, 'Bearer [REDACTED:sluice]');
    assertNoCanary("curl's stdout", r.body);
    assertNoCanary("curl's stderr and sluice run's", r.stderr);

    const rec = await waitForAudit(d.configFile, (a) => a.session === r.session);
    assert.equal(rec.outcome, 'allow');
    assert.equal(rec.rule, 'github-read');
    assert.equal(rec.credential, 'github_token');
    assert.equal(rec.policy_version, version);
    assert.equal(rec.agent, 'support-bot');
    assert.equal(rec.host, 'api.github.com');
    assert.equal(rec.path, '/repos/acme/x/echo');
    assert.ok(
      rec.findings.some((f) => f.type === 'reflected_secret'),
      JSON.stringify(rec.findings),
    );
  });

  test('python urllib as support-bot: same injection, same scrubbing', async () => {
    const before = up.seen.length;
    const r = await runClient(gate!, d.configFile, { agent: 'support-bot' }, 'python', 'GET', `${origin}/repos/acme/y/echo`);
    assert.equal(r.status, 200, r.body);
    assert.equal(up.seen.slice(before)[0]?.headers.authorization, `Bearer ${CANARY}`);
    assert.equal((JSON.parse(r.body) as Echo).headers.authorization, 'Bearer [REDACTED:sluice]');
    assertNoCanary("python's stdout", r.body);
  });

  test("the agent's environment never holds the secret (only the proxy URL with its token)", async () => {
    const r = await sluice(['run', '--config', d.configFile, '--gate', gate!.address, '--agent', 'support-bot', '--', 'env', '-0'], { env: userEnv });
    assert.equal(r.code, 0, r.stderr);
    // Non-vacuous: the environment is really the agent's, with the gate as its proxy.
    assert.match(r.stdout, new RegExp(`(^|\\0)HTTPS_PROXY=http://sluice:[^@\\0]+@${gate!.address.replace(/\./g, '\\.')}(\\0|$)`));
    assertNoCanary("the agent's environment", r.stdout);
    assertNoCanary('sluice run stderr', r.stderr);
  });

  test('another agent, same request: 403 default-deny, and the upstream is not contacted', async () => {
    const before = up.seen.length;
    const r = await runClient(gate!, d.configFile, { agent: 'intern-bot' }, 'curl', 'GET', `${origin}/repos/acme/x/echo`);
    assert.equal(r.status, 403);
    const body = JSON.parse(r.body) as { error: string; rule: string };
    assert.equal(body.error, 'policy_denied');
    assert.equal(body.rule, 'default-deny');
    assert.equal(up.seen.length, before);
    const rec = await waitForAudit(d.configFile, (a) => a.session === r.session);
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.credential, null);
    assert.equal(rec.policy_version, version);
  });

  test('a path outside the rule: denied, and no credential leaves the gate', async () => {
    const before = up.seen.length;
    const r = await runClient(gate!, d.configFile, { agent: 'support-bot' }, 'curl', 'GET', `${origin}/repos/other/x/echo`);
    assert.equal(r.status, 403);
    assert.equal(up.seen.length, before);
  });

  test('the version in the records is the one `sluice policy check` computes for the file', async () => {
    assert.equal(await checkedVersion(d.configFile), version);
  });

  test("no trace of the secret in the gate's stdout and stderr, audit.db (and its WAL), or sluice audit query", async () => {
    // Everything above is in audit.db before we look.
    const sessions = new Set((await auditQuery(d.configFile)).map((a) => a.session));
    assert.ok(sessions.size >= 4, `expected the records of every run above; got ${sessions.size}`);
    const out = gate!.stdout();
    const err = gate!.stderr();
    assert.ok(
      gate!.logLines().some((l) => l.msg === 'audit'),
      'the gate logged audit lines (so the log was really looked at)',
    );
    assertNoCanary("the gate's stdout", out);
    assertNoCanary("the gate's stderr (log and audit lines)", err);
    let dbBytes = '';
    const journal = join(d.dir, 'audit-journal');
    const segments = existsSync(journal) ? (await readdir(journal)).map((n) => join('audit-journal', n)) : [];
    for (const name of ['audit.db', 'audit.db-wal', ...segments]) {
      const file = join(d.dir, name);
      if (!existsSync(file)) continue;
      const bytes = (await readFile(file)).toString('latin1');
      assertNoCanary(name, bytes);
      dbBytes += bytes;
    }
    assert.ok(dbBytes.includes('github-read'), 'audit.db (or its WAL) holds the records');
    const json = await sluice(['audit', 'query', '--json', '--config', d.configFile]);
    assert.match(json.stdout, /"credential":"github_token"/);
    assertNoCanary('sluice audit query --json', json.stdout);
    const table = await sluice(['audit', 'query', '--config', d.configFile]);
    assertNoCanary('sluice audit query', table.stdout);
  });
});
