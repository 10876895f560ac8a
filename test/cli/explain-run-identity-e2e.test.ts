/**
 * `sluice explain` answers as the gate answers `sluice run`: with no --agent it
 * explains the identity `sluice run` gets with no --agent (tenant and agent
 * 'default'), and its exit status is the verdict (0 allow, 3 refused), so a script
 * can ask `sluice explain ... && sluice run -- ...`. Real curl under `sluice run`
 * against a gate from `sluice start`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { initDir, loopbackUpstream, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

describe('explain shares sluice run’s default identity, and exits 3 on a refusal', () => {
  let up: Upstream;
  let d: InitDir;
  let gate: CliGate;
  let url: string;

  before(async () => {
    up = await startUpstream();
    d = await initDir(loopbackUpstream('default-agent-only', '    agents: [default]\n    tenants: [default]\n'));
    gate = await startCliGate(d.configFile);
    url = `http://api.upstream.test:${up.port}/x`;
  });
  after(async () => {
    await gate?.stop();
    await up?.close();
  });

  /** `sluice run [flags] -- curl URL`: the status curl saw. */
  const curlUnderRun = async (flags: string[]): Promise<string> => {
    const r = await sluice([
      'run',
      '--config',
      d.configFile,
      '--gate',
      gate.address,
      '--no-isolate',
      '-q',
      ...flags,
      '--',
      'curl',
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      url,
    ]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  test('no flags: explain allows as the default identity, and sluice run with no flags is let through', async () => {
    const e = await sluice(['explain', '--config', d.configFile, 'GET', url]);
    assert.equal(e.code, 0, e.stdout + e.stderr);
    assert.match(e.stdout, /^decision: +allow$/m);
    assert.match(e.stdout, /^identity: +tenant default, agent default, session explain$/m);
    assert.match(e.stdout, /^rule: +default-agent-only \(rule_allow\)$/m);
    assert.equal(await curlUnderRun([]), '200');
  });

  test('another agent: explain exits 3 (text and --json) and sluice run as that agent is refused', async () => {
    const e = await sluice(['explain', '--config', d.configFile, '--agent', 'other-bot', 'GET', url]);
    assert.equal(e.code, 3, e.stdout + e.stderr);
    assert.match(e.stdout, /^decision: +deny$/m);
    assert.match(e.stdout, /agent other-bot not in \[default\]/);
    const j = await sluice(['explain', '--config', d.configFile, '--agent', 'other-bot', '--json', 'GET', url]);
    assert.equal(j.code, 3, j.stderr);
    assert.equal((JSON.parse(j.stdout) as { outcome: string }).outcome, 'deny');
    assert.equal(await curlUnderRun(['--agent', 'other-bot']), '403');
  });

  test('--tenant alone keeps the default agent, as sluice run does', async () => {
    const e = await sluice(['explain', '--config', d.configFile, '--tenant', 'acme', 'GET', url]);
    assert.equal(e.code, 3, e.stdout + e.stderr);
    assert.match(e.stdout, /^identity: +tenant acme, agent default, session explain$/m);
    assert.equal(await curlUnderRun(['--tenant', 'acme']), '403');
  });

  test('--no-token: a request without an identity (exit 3 here), and it takes no identity flag', async () => {
    const e = await sluice(['explain', '--config', d.configFile, '--no-token', 'GET', url]);
    assert.equal(e.code, 3, e.stdout + e.stderr);
    assert.match(e.stdout, /^identity: +none$/m);
    assert.match(e.stdout, /note: identity\.required is on/);
    const bad = await sluice(['explain', '--config', d.configFile, '--no-token', '--agent', 'x', 'GET', url]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--no-token explains a request without an identity; --agent describes one/);
  });
});
