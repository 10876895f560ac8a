import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SLUICE_BIN, type ExecResult } from '../helpers/exec.js';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** `env -0` output as a map (values may hold newlines, so NUL-separated). */
function parseEnv0(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const entry of text.split('\0')) {
    const i = entry.indexOf('=');
    if (i > 0) m.set(entry.slice(0, i), entry.slice(i + 1));
  }
  return m;
}

/** PEM certificate blocks, whitespace-normalised, for set comparisons. */
function pemBlocks(text: string): string[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((b) => b.replace(/\s+/g, ''));
}

describe('sluice run: the child process', () => {
  let d: InitDir;
  let gate: CliGate | undefined;
  const run = (cmd: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; flags?: string[] } = {}): Promise<ExecResult> =>
    sluice(['run', '--config', d.configFile, '--gate', gate!.address, ...(opts.flags ?? []), '--', ...cmd], opts);

  before(async () => {
    d = await initDir();
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    await gate?.stop();
  });

  test('exits with the command’s exit code', async () => {
    const r = await run(['sh', '-c', 'exit 7']);
    assert.equal(r.code, 7, r.stderr);
    assert.equal((await run(['true'])).code, 0);
  });

  test('a command killed by a signal exits 128 + the signal number, like a shell', async () => {
    const r = await run(['sh', '-c', 'kill -USR1 $$']);
    assert.equal(r.code, 128 + 10, r.stderr); // SIGUSR1 is 10 on Linux
  });

  test('SIGTERM to sluice run reaches the command; nothing is left running', async () => {
    const child = spawn(
      process.execPath,
      [SLUICE_BIN, 'run', '--config', d.configFile, '--gate', gate!.address, '--no-isolate', '--', 'sh', '-c', 'echo $$; exec sleep 30'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          if (out.includes('\n')) resolve(Number(out.trim()));
        });
        child.once('exit', () => reject(new Error(`exited before the command started: ${out}`)));
      });
      child.kill('SIGTERM');
      assert.equal(await exited, 128 + 15);
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the command was not left behind');
    } finally {
      clearTimeout(timer);
      child.kill('SIGKILL');
    }
  });

  test('stdin and stdout are the user’s', async () => {
    const r = await run(['cat'], { input: 'piped through\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'piped through\n');
  });

  test('a missing command exits 127 and says so', async () => {
    const r = await run(['sluice-no-such-command-xyz', '--flag']);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /sluice-no-such-command-xyz/);
    assert.match(r.stderr, /command not found/);
  });

  test('nothing to run is a usage error', async () => {
    const r = await sluice(['run', '--config', d.configFile, '--gate', gate!.address]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nothing to run/);
  });

  test('a malformed --gate is a usage error', async () => {
    const r = await sluice(['run', '--config', d.configFile, '--gate', 'no-port', '--', 'true']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--gate: expected HOST:PORT/);
  });

  test('the environment: proxies set, NO_PROXY gone, CA bundle and Node settings in place', async () => {
    // Not isolated: the paths it names are then the host's, readable here.
    const r = await run(['env', '-0'], {
      flags: ['--no-isolate'],
      env: {
        ...process.env,
        NO_PROXY: 'localhost,*',
        no_proxy: '*',
        ALL_PROXY: 'socks5://127.0.0.1:1',
        all_proxy: 'socks5://127.0.0.1:1',
        HTTP_PROXY: 'http://127.0.0.1:1',
        NODE_OPTIONS: '--no-deprecation',
      },
    });
    assert.equal(r.code, 0, r.stderr);
    const env = parseEnv0(r.stdout);
    // The proxy URL carries the run's alias (never a token: the child cannot renew or re-use it once the run ends).
    const proxy = env.get('HTTP_PROXY') ?? '';
    const m = /^http:\/\/sluice:(sra_[A-Za-z0-9_-]{43})@(.+)$/.exec(proxy);
    assert.ok(m, 'HTTP_PROXY is http://sluice:<run alias>@gate');
    assert.equal(m[2], gate!.address);
    assert.doesNotMatch(r.stdout, /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./, 'no token anywhere in the environment');
    assert.match(r.stderr, /session ses_[0-9a-f]{16} \(tenant default, agent default\)/);
    for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) assert.equal(env.get(k), proxy, k);
    for (const k of ['NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']) assert.equal(env.has(k), false, `${k} must be removed`);

    const bundle = env.get('SSL_CERT_FILE');
    assert.ok(bundle, 'SSL_CERT_FILE set');
    for (const k of ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO', 'PIP_CERT', 'AWS_CA_BUNDLE', 'DENO_CERT']) {
      assert.equal(env.get(k), bundle, k);
    }
    const gateCa = pemBlocks(await readFile(d.caFile, 'utf8'));
    assert.equal(gateCa.length, 1);
    const inBundle = pemBlocks(await readFile(bundle, 'utf8'));
    assert.ok(inBundle.includes(gateCa[0]!), 'the bundle holds the gate CA');
    assert.ok(inBundle.length > 1, 'the bundle keeps the system roots too');

    // A copy outside the data directory, which an agent may not be able to read.
    assert.equal(await readFile(env.get('NODE_EXTRA_CA_CERTS') ?? '', 'utf8'), await readFile(d.caFile, 'utf8'));
    const nodeOptions = env.get('NODE_OPTIONS') ?? '';
    assert.match(nodeOptions, /^--no-deprecation /, 'the user’s NODE_OPTIONS are kept');
    assert.match(nodeOptions, /--import=.*env-proxy-preload\.js/);
  });

  test('sluice run inside sluice run does not stack the preload twice', async () => {
    // Not isolated: inside a sandbox the config is hidden, so sluice run cannot run there at all.
    const r = await run(['node', '-e', 'process.stdout.write(process.env.NODE_OPTIONS ?? "")'], { flags: ['--no-isolate'] });
    assert.equal(r.code, 0, r.stderr);
    const nested = await sluice(
      ['run', '--config', d.configFile, '--gate', gate!.address, '--no-isolate', '--', 'node', '-e', 'process.stdout.write(process.env.NODE_OPTIONS ?? "")'],
      { env: { ...process.env, NODE_OPTIONS: r.stdout } },
    );
    assert.equal(nested.code, 0, nested.stderr);
    assert.equal(nested.stdout, r.stdout);
  });
});

describe('sluice run without a gate', () => {
  test('exits 2 and says to start one', async () => {
    const d = await initDir();
    const port = await closedPort();
    const r = await sluice(['run', '--config', d.configFile, '--gate', `127.0.0.1:${port}`, '--', 'true']);
    assert.equal(r.code, 2);
    // The token comes from the gate's control socket, so a missing gate shows there first.
    assert.match(r.stderr, /cannot reach the gate's control socket .*control\.sock/);
    assert.match(r.stderr, /sluice start/);
  });
});
