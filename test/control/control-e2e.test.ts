/**
 * The control socket end to end, with `sluice start` and real clients: revocation
 * stops renewal; a second local user that cannot read the data directory runs an
 * agent through the gate when `control.mint` grants it, and is refused any other
 * identity; the operator still mints (`sluice token`) and revokes; `sluice status`
 * answers without an audit record.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { sluice, startCliGate } from '../helpers/cli.js';
import { exec, SLUICE_BIN } from '../helpers/exec.js';
import { startControlWorld, type ControlWorld } from './https-setup.js';

const ONE_TUNNEL = fileURLToPath(new URL('../fixtures/one-tunnel-client.js', import.meta.url));

/** Wait (bounded) until `check` is true, polling. */
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('revoking a running session stops its renewal', () => {
  let w: ControlWorld;
  before(async () => {
    w = await startControlWorld();
  });
  after(async () => {
    await w?.close();
  });

  test('requests go from 200 to refused, sluice run says renewal stopped, and nothing is allowed again', { timeout: 60_000 }, async () => {
    const stopFile = join(await mkdtemp(join(tmpdir(), 'sluice-stop-')), 'stop');
    // A refused CONNECT leaves http_code 000: print the CONNECT's own status then.
    const loop = `while [ ! -e ${stopFile} ]; do c=$(curl -s -o /dev/null -w '%{http_code} %{http_connect}' ${w.origin}/); case "$c" in 000*) echo "\${c#000 }";; *) echo "\${c%% *}";; esac; sleep 0.2; done`;
    const child = spawn(process.execPath, [SLUICE_BIN, 'run', '--config', w.d.configFile, '--ttl', '4s', '--agent', 'revokee', '--', 'sh', '-c', loop], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until('the session id', () => /session ses_/.test(err));
      const session = /session (ses_[0-9a-f]{16})/.exec(err)![1]!;
      await until('a first allowed request', () => out.includes('200\n'));
      const revoked = await sluice(['revoke', '--session', session, '--config', w.d.configFile]);
      assert.equal(revoked.code, 0, revoked.stderr);
      const at = out.length;
      await until('sluice run to stop renewing', () => /renewal stopped: .*revoked/.test(err));
      // Past the 4 s token's expiry: the alias was dropped and the token not renewed.
      await until(
        'refusals after the token would have expired',
        () =>
          out
            .slice(at)
            .split('\n')
            .filter((l) => l === '407').length >= 3,
        30_000,
      );
      // A request already in flight when the revocation landed may still finish 200; from the first refusal on, none may.
      const lines = out.slice(at).trim().split('\n');
      const after = lines.slice(lines.findIndex((c) => c !== '200'));
      assert.ok(
        after.every((c) => c === '403' || c === '407'),
        `after the first refusal only 403/407: ${lines.join(' ')}`,
      );
      assert.ok(lines.filter((c) => c === '200').length <= 1, `at most the one request in flight is allowed: ${lines.join(' ')}`);
      assert.ok(after.includes('407'), 'the run alias stops resolving once renewal is refused');
    } finally {
      await rm(stopFile, { force: true });
      spawnSync('touch', [stopFile]);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });

  test('sluice status: gate up, policy version, runs and sessions, with no audit record and no 407', async () => {
    const auditsBefore = w.gate.logLines().filter((l) => l.msg === 'audit').length;
    const r = await sluice(['status', '--config', w.d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^gate: up \(pid \d+, proxy 127\.0\.0\.1:\d+\)$/m);
    assert.match(r.stdout, /^policy: \S+$/m);
    assert.match(r.stdout, /^open: \d+ exchange\(s\), \d+ tunnel\(s\), \d+ run\(s\)$/m);
    const j = await sluice(['status', '--control', w.socket, '--json']);
    assert.equal(j.code, 0, j.stderr);
    const s = JSON.parse(j.stdout) as { gate: string; policy_version: string; sessions?: unknown[] };
    assert.equal(s.gate, 'up');
    assert.ok(Array.isArray(s.sessions), 'the operator (root or the gate user) sees sessions');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(w.gate.logLines().filter((l) => l.msg === 'audit').length, auditsBefore, 'no audit record for a status check');
  });

  test('sluice status without a gate: down, exit 1', async () => {
    const r = await sluice(['status', '--control', join(tmpdir(), `no-such-${randomBytes(4).toString('hex')}.sock`)]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^gate: down \(cannot reach the gate's control socket/);
  });
});

const isRoot = process.getuid?.() === 0;
const hasUseradd = spawnSync('sh', ['-c', 'command -v useradd && command -v userdel']).status === 0;
const skipUid = !isRoot ? 'needs root to create a second user (useradd)' : !hasUseradd ? 'useradd/userdel not installed' : false;

describe('a second local user, without access to the data directory', { skip: skipUid }, () => {
  const name = `slct${randomBytes(4).toString('hex')}`;
  let uid = -1;
  let gid = -1;
  let w: ControlWorld;
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', LANG: 'C' });
  const asAgent = (args: string[], timeoutMs = 20_000) => exec(process.execPath, [SLUICE_BIN, ...args], { uid, gid, env: env(), cwd: '/tmp', timeoutMs });

  before(async () => {
    const made = spawnSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', name], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
    gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
    w = await startControlWorld(`  mint:\n    - uid: ${uid}\n      tenant: default\n      agent: "intern-*"\n`);
  });
  after(async () => {
    await w?.close();
    spawnSync('userdel', [name]);
  });

  test('it cannot read the data directory: sluice token fails, the keys are unreadable', async () => {
    const cat = await exec('cat', [join(w.d.dir, 'master.key')], { uid, gid, env: env(), cwd: '/tmp' });
    assert.notEqual(cat.code, 0);
    assert.match(cat.stderr, /Permission denied/);
    const tok = await asAgent(['token', '--config', w.d.configFile, '--tenant', 'default', '--agent', 'intern-bot']);
    assert.notEqual(tok.code, 0);
    assert.doesNotMatch(tok.stdout, /eyJ/);
  });

  test('sluice run as that user, for an identity control.mint grants it: HTTPS through the gate works', async () => {
    const r = await asAgent(['run', '--control', w.socket, '--agent', 'intern-bot', '--', 'curl', '-sS', `${w.origin}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello from upstream\n');
    const minted = w.gate.logLines().find((l) => l.msg === 'control request' && l.uid === uid && l.status === 200);
    assert.ok(minted, 'the gate logged which uid minted');
    assert.equal(minted.agent, 'intern-bot');
  });

  test('the same user asking for another identity is refused, with the reason', async () => {
    const r = await asAgent(['run', '--control', w.socket, '--agent', 'support-bot', '--', 'curl', '-sS', `${w.origin}/`]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`the gate refused: uid ${uid} may not mint tenant default, agent support-bot: control.mint grants it only: tenant default agent intern-\\*`),
    );
    assert.match(r.stderr, /\[mint_refused\]/);
    assert.doesNotMatch(r.stdout, /hello from upstream/);
  });

  test('its sluice status shows the gate but not other sessions', async () => {
    const r = await asAgent(['status', '--control', w.socket, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { gate: string; sessions?: unknown };
    assert.equal(s.gate, 'up');
    assert.equal(s.sessions, undefined);
  });

  test('the operator still mints any identity (sluice token) and revokes it', async () => {
    const tok = await sluice(['token', '--config', w.d.configFile, '--tenant', 'default', '--agent', 'support-bot', '--session', 'ses_operator01']);
    assert.equal(tok.code, 0, tok.stderr);
    const token = tok.stdout.trim();
    const proxy = `http://sluice:${token}@${w.gate.address}`;
    const curl = (): Promise<string> =>
      // The status of the request, or of the CONNECT when that was refused.
      exec('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{http_connect}', '--cacert', w.d.caFile, '--proxy', proxy, `${w.origin}/`]).then((r) =>
        r.stdout.startsWith('000') ? r.stdout.slice(4) : r.stdout.slice(0, 3),
      );
    assert.equal(await curl(), '200');
    const rev = await sluice(['revoke', '--session', 'ses_operator01', '--config', w.d.configFile]);
    assert.equal(rev.code, 0, rev.stderr);
    assert.equal(await curl(), '403');
    // And the operator's own uid may mint any identity over the control socket.
    const run = await sluice(['run', '--control', w.socket, '--agent', 'support-bot', '--', 'curl', '-sS', `${w.origin}/`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'hello from upstream\n');
  });
});

describe('a grant added while the gate runs', { skip: skipUid }, () => {
  const name = `slcr${randomBytes(4).toString('hex')}`;
  let uid = -1;
  let gid = -1;
  let w: ControlWorld;
  before(async () => {
    const made = spawnSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', name], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
    gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
    w = await startControlWorld();
  });
  after(async () => {
    await w?.close();
    spawnSync('userdel', [name]);
  });

  test('before it the socket is 0600 and the user cannot connect; after the reload it can run its agent', { timeout: 60_000 }, async () => {
    const asAgent = (args: string[]) =>
      exec(process.execPath, [SLUICE_BIN, ...args], {
        uid,
        gid,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' },
        cwd: '/tmp',
        timeoutMs: 20_000,
      });
    assert.equal(statSync(w.socket).mode & 0o777, 0o600);
    const before = await asAgent(['run', '--control', w.socket, '--agent', 'intern-bot', '--', 'true']);
    assert.equal(before.code, 2);
    assert.match(before.stderr, /cannot reach the gate's control socket .*permission denied/);
    const from = w.gate.stderr().length;
    await appendFile(w.d.configFile, `  mint:\n    - uid: ${uid}\n      tenant: default\n      agent: intern-bot\n`);
    await until('the reload', () => /policy reloaded/.test(w.gate.stderr().slice(from)));
    await until('the socket mode to follow the grant', () => (statSync(w.socket).mode & 0o777) === 0o666);
    const r = await asAgent(['run', '--control', w.socket, '--agent', 'intern-bot', '--', 'curl', '-sS', `${w.origin}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello from upstream\n');
  });
});

describe('an open tunnel of a sluice run', () => {
  let w: ControlWorld;
  before(async () => {
    w = await startControlWorld();
  });
  after(async () => {
    await w?.close();
  });

  test('one CONNECT tunnel keeps serving requests across several renewals of a 3 s token', { timeout: 60_000 }, async () => {
    // 40 requests 250 ms apart: the tunnel lives over three times the token's lifetime.
    const r = await sluice(['run', '--config', w.d.configFile, '--ttl', '3s', '--', process.execPath, ONE_TUNNEL, `${w.origin}/`, '40', '250'], {
      timeoutMs: 50_000,
    });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const codes = r.stdout.trim().split('\n');
    assert.equal(codes.length, 40);
    assert.ok(
      codes.every((c) => c === '200'),
      codes.join(' '),
    );
    const session = /session (ses_[0-9a-f]{16})/.exec(r.stderr)?.[1];
    const minted = new Set(
      w.gate
        .logLines()
        .filter((l) => l.msg === 'control request' && l.session === session && l.status === 200)
        .map((l) => l.token_id),
    );
    assert.ok(minted.size >= 3, `the token was renewed while the tunnel was open (${minted.size} tokens)`);
  });
});

describe('a gate restart under a running sluice run', () => {
  let w: ControlWorld;
  before(async () => {
    w = await startControlWorld();
  });
  after(async () => {
    await w?.close();
  });

  test('the run re-binds its alias with the new gate and its requests are allowed again, without restarting the command', { timeout: 90_000 }, async () => {
    const stopFile = join(await mkdtemp(join(tmpdir(), 'sluice-stop-')), 'stop');
    const loop = `while [ ! -e ${stopFile} ]; do c=$(curl -s -o /dev/null -w '%{http_code} %{http_connect}' ${w.origin}/); case "$c" in 000*) echo "\${c#000 }";; *) echo "\${c%% *}";; esac; sleep 0.2; done`;
    // --ttl 30s: the renewal call (which also re-binds) comes every 5 s, and the token
    // outlives the gate's restart even on a loaded machine (a token that expired while the
    // gate was down cannot be renewed: the run is then refused, by design; seen with 6 s).
    const child = spawn(process.execPath, [SLUICE_BIN, 'run', '--config', w.d.configFile, '--ttl', '30s', '--', 'sh', '-c', loop], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until('a first allowed request', () => out.includes('200\n'));
      const port = w.gate.port;
      await w.gate.stop();
      const down = out.length;
      await until('requests failing while the gate is down', () => /^(?!200$).+$/m.test(out.slice(down)));
      // The gate stays down until the run has tried to renew (once a second) and said so:
      // a restart quicker than that would leave nothing for it to recover from.
      await until('a renewal failing while the gate is down', () => /renewal failed, retrying/.test(err), 20_000);
      w.gate = await startCliGate(w.d.configFile, { port });
      const up = out.length;
      await until('requests allowed again by the new gate', () => out.slice(up).includes('200\n'), 40_000);
      assert.equal(child.exitCode, null, 'the command kept running');
    } finally {
      spawnSync('touch', [stopFile]);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    assert.match(err, /renewal failed, retrying/);
    assert.match(err, /renewal works again/);
  });
});
