/**
 * A `sluice mcp` server lives as long as its identity: its token expiring stops it
 * (SIGTERM, then SIGKILL for a server that ignores it), and `sluice revoke` counts the
 * wrapper among the processes that must have applied a revocation before it returns.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { waitFor } from '../helpers/cli-e2e.js';
import { SLUICE_BIN } from '../helpers/exec.js';

/** `sluice mcp ARGS` with its stdin kept open, its stderr collected and its exit code awaited. */
function wrapper(args: readonly string[]): { child: ChildProcessWithoutNullStreams; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [SLUICE_BIN, 'mcp', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, err: () => err, exited };
}

describe('sluice mcp: the server ends with its identity', () => {
  let d: InitDir;
  let gate: CliGate;
  const started: ChildProcessWithoutNullStreams[] = [];

  before(async () => {
    d = await initDir(`mcp:
  default: allow
`);
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
    await gate?.stop();
  });

  const bounded = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
    Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);

  test('the token expiring stops the server, even one that ignores SIGTERM', async () => {
    // Ignores SIGTERM (kept across exec) and never reads its stdin: only the SIGKILL after the grace ends it.
    const w = wrapper([
      '--config',
      d.configFile,
      '--gate',
      gate.address,
      '--name',
      'stubborn',
      '--ttl',
      '2s',
      '--',
      'sh',
      '-c',
      'trap "" TERM; exec sleep 600',
    ]);
    started.push(w.child);
    await waitFor('the session line', () => (/^sluice mcp: session ses_/m.test(w.err()) ? true : undefined), 10_000);
    const code = await bounded(w.exited, 12_000);
    assert.notEqual(code, 'timeout', `the server outlived its token; stderr: ${w.err()}`);
    assert.equal(code, 128 + 9, 'ended by SIGKILL after ignoring SIGTERM');
    assert.match(w.err(), /the session token expired at \S+: stopping the server/);
  });

  test('sluice revoke waits for a running wrapper to apply it: one that cannot (stopped) makes it exit 3, named', async () => {
    // The server starts after the wrapper registered: its first line on stderr is the cue.
    const w = wrapper(['--config', d.configFile, '--gate', gate.address, '--name', 'cat', '--', 'sh', '-c', 'echo server-started >&2; exec cat']);
    started.push(w.child);
    await waitFor('the server to start', () => (w.err().includes('server-started') ? true : undefined), 10_000);
    const m = /^sluice mcp: session (ses_\S+) /m.exec(w.err());
    assert.ok(m, w.err());
    const pid = w.child.pid!;
    process.kill(pid, 'SIGSTOP');
    let r;
    try {
      r = await sluice(['revoke', '--session', m[1]!, '--wait', '1s', '--config', d.configFile]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`mcp pid ${pid} `));
    // Running again, it applies the revocation and stops the server.
    const code = await bounded(w.exited, 10_000);
    assert.equal(code, 128 + 15);
    assert.match(w.err(), /session ses_\S+ was revoked: stopping the server/);
  });
});
