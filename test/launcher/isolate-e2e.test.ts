/**
 * `sluice run --isolate` with real clients against real upstreams on the host's
 * loopback (127.0.0.2). The sandbox has its own network namespace, so the only way
 * to those upstreams is the gate: through it, curl, Python, Node (fetch and
 * https.get), git, wget and npm work; around it (--noproxy, a raw connect, DNS) they
 * fail; and the operator's files, secrets and commands are out of reach.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { exec, SLUICE_BIN, type ExecResult } from '../helpers/exec.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { isolationSupport } from '../../src/launcher/sandbox-support.js';
import { startRegistry, type Registry } from './registry-server.js';

const UPSTREAM_ADDR = '127.0.0.2';
const STORE_CANARY = 'canary-store-5d1e0b7c9a';
const ENV_CANARY = 'canary-env-83f2aa41c6';
const support = await isolationSupport();
const JAVA_FETCH = fileURLToPath(new URL('../../../test/fixtures/java/Fetch.java', import.meta.url));
const hasJdk = (await Promise.all(['java', 'javac', 'keytool'].map((c) => exec('sh', ['-c', `command -v ${c}`])))).every((r) => r.code === 0);

describe('sluice run --isolate', { skip: support.ok ? false : `cannot isolate here: ${support.ok ? '' : support.why}` }, () => {
  let up: Upstream;
  let gs: GitServer;
  let reg: Registry;
  let d: InitDir;
  let gate: CliGate | undefined;
  let cwd: string;
  let origin: string;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_PROXY: '*',
    no_proxy: '*',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    // A secret the gate reads from its environment (rule below): the agent must not inherit it.
    ISOLATE_CANARY_ENV: ENV_CANARY,
  };

  const run = (cmd: string[], flags: string[] = ['--isolate']): Promise<ExecResult> =>
    sluice(['run', '--config', d.configFile, '--gate', gate!.address, ...flags, '--', ...cmd], { env, cwd, timeoutMs: 60_000 });
  const sh = (script: string, flags?: string[]): Promise<ExecResult> => run(['sh', '-c', script], flags);

  before(async () => {
    up = await startUpstream({ tls: true, host: UPSTREAM_ADDR, names: ['api.upstream.test'] });
    gs = await startGitServer({ name: 'git.upstream.test', host: UPSTREAM_ADDR });
    reg = await startRegistry({ host: UPSTREAM_ADDR, name: 'registry.upstream.test', pkg: 'tiny-pkg' });
    const pki = await upstreamPki();
    origin = `https://api.upstream.test:${up.port}`;
    d = await initDir(`  - id: upstream
    hosts: [api.upstream.test]
  - id: git
    hosts: [git.upstream.test]
  - id: registry
    hosts: [registry.upstream.test]
  - id: canary-env
    hosts: [env-canary.upstream.test]
    credential:
      secret: env:ISOLATE_CANARY_ENV
      header: authorization
      value: "Bearer {{secret}}"
dns:
  hosts:
    api.upstream.test: ${UPSTREAM_ADDR}
    git.upstream.test: ${UPSTREAM_ADDR}
    registry.upstream.test: ${UPSTREAM_ADDR}
network:
  allow_private: [${UPSTREAM_ADDR}/32]
tls:
  upstream_ca: ${pki.caFile}
`);
    const set = await sluice(['secret', 'set', 'canary_store', '--config', d.configFile], { input: STORE_CANARY });
    assert.equal(set.code, 0, set.stderr);
    gate = await startCliGate(d.configFile);
    cwd = await mkdtemp(join(tmpdir(), 'sluice-isolate-cwd-'));
    await chmod(cwd, 0o755);
  });
  after(async () => {
    await gate?.stop();
    await up?.close();
    await gs?.close();
    await reg?.close();
  });

  // With and without the sandbox: the client environment alone must bring each client to the gate.
  for (const mode of ['--isolate', '--no-isolate'])
    describe(`through the gate (${mode})`, () => {
      let here: string;
      before(async () => {
        here = await mkdtemp(join(tmpdir(), 'sluice-isolate-cwd-'));
        await chmod(here, 0o755);
      });
      const run = (cmd: string[]): Promise<ExecResult> =>
        sluice(['run', '--config', d.configFile, '--gate', gate!.address, mode, '--', ...cmd], { env, cwd: here, timeoutMs: 60_000 });

      test('curl reads the upstream over intercepted HTTPS, and the upstream saw the gate', async () => {
        const before = up.seen.length;
        const r = await run(['curl', '-sS', `${origin}/`]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'hello from upstream\n');
        assert.match(String(up.seen[before]?.headers.via), /sluice/);
      });

      test("Python's urllib", async () => {
        const r = await run([
          'python3',
          '-c',
          'import sys, urllib.request\nsys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())',
          `${origin}/`,
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'hello from upstream\n');
      });

      test("Node's fetch", async () => {
        const r = await run(['node', '-e', 'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t))', `${origin}/`]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'hello from upstream\n');
      });

      test("Node's https.get (ignores the proxy variables on Node 20 without the preload)", async () => {
        const script =
          "require('https').get(process.argv[1], (res) => res.pipe(process.stdout)).on('error', (e) => { console.error(e.message); process.exit(1); })";
        const r = await run(['node', '-e', script, `${origin}/`]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'hello from upstream\n');
      });

      test('git ls-remote and clone into the working directory', async () => {
        const ls = await run(['git', 'ls-remote', gs.repoUrl]);
        assert.equal(ls.code, 0, ls.stderr);
        assert.match(ls.stdout, /^[0-9a-f]{40}\trefs\/heads\/main$/m);
        const clone = await run(['git', 'clone', '-q', gs.repoUrl, 'cloned']);
        assert.equal(clone.code, 0, clone.stderr);
        assert.ok((await stat(join(here, 'cloned', '.git'))).isDirectory());
      });

      test('wget (its CA comes from the WGETRC sluice run writes)', async () => {
        const r = await run(['wget', '-q', '-O', '-', `${origin}/`]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'hello from upstream\n');
      });

      test(
        'Java (JAVA_TOOL_OPTIONS: the gate and a trust store; the token through an Authenticator)',
        { skip: hasJdk ? false : 'no java, javac and keytool here' },
        async () => {
          await copyFile(JAVA_FETCH, join(here, 'Fetch.java'));
          const r = await run(['java', 'Fetch.java', `${origin}/`]);
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.stdout, '200\nhello from upstream\n');
          assert.doesNotMatch(r.stderr, /eyJ/, 'the JVM echoes JAVA_TOOL_OPTIONS: no token in it');
        },
      );

      test('npm install from a registry over HTTPS', async () => {
        const r = await run([
          'npm',
          'install',
          // Here, whatever the folders above hold: without a package.json here, npm installs
          // into the nearest folder above with a node_modules (a stray /tmp/node_modules was one).
          '--prefix',
          '.',
          '--cache',
          '.npm-cache',
          '--no-audit',
          '--no-fund',
          '--no-save',
          '--registry',
          `https://registry.upstream.test:${reg.port}/`,
          'tiny-pkg',
        ]);
        assert.equal(r.code, 0, r.stderr);
        const pkg = JSON.parse(await readFile(join(here, 'node_modules', 'tiny-pkg', 'package.json'), 'utf8')) as { version: string };
        assert.equal(pkg.version, '1.0.0');
        assert.ok(reg.seen.includes('/tiny-pkg/-/tiny-pkg-1.0.0.tgz'));
        reg.seen.length = 0;
      });
    });

  describe('around the gate', () => {
    test("curl --noproxy '*' fails, by name and by address", async () => {
      const byName = await run(['curl', '-sS', '-m', '10', '--noproxy', '*', `${origin}/`]);
      assert.notEqual(byName.code, 0);
      assert.doesNotMatch(byName.stdout, /hello from upstream/);
      const byAddr = await run(['curl', '-sS', '-m', '10', '--noproxy', '*', '-k', '--resolve', `api.upstream.test:${up.port}:${UPSTREAM_ADDR}`, `${origin}/`]);
      assert.notEqual(byAddr.code, 0);
      assert.doesNotMatch(byAddr.stdout, /hello from upstream/);
    });

    const connect =
      'import socket, sys\ntry:\n    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)\n    print("connected")\nexcept OSError as e:\n    print("refused", e.errno)';
    test('a raw TCP connect to the upstream fails (and succeeds with --no-isolate, so the check can fail)', async () => {
      const inside = await run(['python3', '-c', connect, UPSTREAM_ADDR, String(up.port)]);
      assert.equal(inside.code, 0, inside.stderr);
      assert.match(inside.stdout, /^refused/);
      const outside = await run(['python3', '-c', connect, UPSTREAM_ADDR, String(up.port)], ['--no-isolate']);
      assert.equal(outside.stdout.trim(), 'connected');
    });

    test('DNS does not resolve: no lookup leaves the sandbox', async () => {
      const script =
        'import socket, sys\nfor n in sys.argv[1:]:\n    try:\n        socket.getaddrinfo(n, 443)\n        print("resolved", n)\n    except OSError:\n        print("failed", n)';
      const r = await run(['python3', '-c', script, 'example.com', 'exfil-abc123.example.net']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'failed example.com\nfailed exfil-abc123.example.net\n');
      // Nor straight to the configured nameserver over UDP.
      const ns = /^nameserver\s+(\S+)/m.exec(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''))?.[1] ?? '8.8.8.8';
      const udp = `import socket\ns = socket.socket(socket.AF_INET6 if ":" in "${ns}" else socket.AF_INET, socket.SOCK_DGRAM)\ntry:\n    s.sendto(b"x", ("${ns}", 53))\n    print("sent")\nexcept OSError as e:\n    print("unreachable", e.errno)`;
      const u = await run(['python3', '-c', udp]);
      assert.match(u.stdout, /^unreachable/, u.stderr);
    });
  });

  describe("the operator's keys, config and commands", () => {
    test('reading master.key, token-key.pem, secrets.json, ca-key.pem and the config fails', async () => {
      const files = ['master.key', 'token-key.pem', 'secrets.json', 'ca-key.pem', 'sluice.yaml'].map((f) => join(d.dir, f));
      for (const f of files) assert.ok((await stat(f)).isFile(), `${f} exists outside`);
      const r = await sh(
        `for f in ${files.join(' ')}; do if cat "$f" >/dev/null 2>&1; then echo "READ $f"; else echo "denied"; fi; done; ls -A ${d.dir} 2>&1 | head -3`,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /READ/);
      assert.equal(r.stdout.split('\n').filter((l) => l === 'denied').length, files.length);
      assert.doesNotMatch(r.stdout, /master\.key|token-key/);
    });

    test('run from the folder that holds the data directory (the README layout): the folder is writable, the data directory still hidden', async () => {
      const parent = dirname(d.dir);
      const r = await sluice(
        [
          'run',
          '--config',
          d.configFile,
          '--gate',
          gate!.address,
          '--isolate',
          '--',
          'sh',
          '-c',
          `echo hi > written-inside; cat ${basename(d.dir)}/master.key >/dev/null 2>&1 && echo READ || echo denied; ls -A ${basename(d.dir)} 2>&1 | head -1`,
        ],
        { env, cwd: parent },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^denied\n/);
      assert.doesNotMatch(r.stdout, /master\.key|token-key/);
      assert.equal(await readFile(join(parent, 'written-inside'), 'utf8'), 'hi\n');
    });

    test('sluice token and sluice secret fail inside', async () => {
      const token = await run(['node', SLUICE_BIN, 'token', '--config', d.configFile, '--agent', 'support-bot']);
      assert.notEqual(token.code, 0);
      assert.doesNotMatch(token.stdout, /eyJ/);
      const secret = await run(['node', SLUICE_BIN, 'secret', 'list', '--config', d.configFile]);
      assert.notEqual(secret.code, 0);
      assert.doesNotMatch(secret.stdout, /canary_store/);
    });

    test("the gate's control socket is out of reach: no sluice run or status from inside, no other identity minted", async () => {
      const socket = join(d.dir, 'control.sock');
      const status = await run(['node', SLUICE_BIN, 'status', '--control', socket]);
      assert.notEqual(status.code, 0, status.stdout);
      const nested = await run(['node', SLUICE_BIN, 'run', '--control', socket, '--agent', 'support-bot', '--no-isolate', '--', 'true']);
      assert.notEqual(nested.code, 0, nested.stdout);
      const probe = await sh(`test -S ${socket} && echo SOCKET || echo absent; env | grep -c SLUICE_CONTROL || true`);
      assert.match(probe.stdout, /^absent\n0\n$/);
    });

    test('no secret in the environment or in any file the agent can read where Sluice put things', async () => {
      const masterKey = (await readFile(join(d.dir, 'master.key'), 'utf8')).trim();
      const r = await sh(
        `env; echo ---; cat /run/sluice/trust/* 2>/dev/null | strings; grep -rls -e ${STORE_CANARY} -e ${ENV_CANARY} -e '${masterKey}' /run/sluice . /tmp ${d.dir} 2>/dev/null; true`,
      );
      assert.equal(r.code, 0, r.stderr);
      for (const canary of [STORE_CANARY, ENV_CANARY, masterKey]) assert.ok(!r.stdout.includes(canary), `the agent saw ${canary.slice(0, 12)}...`);
      assert.doesNotMatch(r.stdout, /^SLUICE_MASTER_KEY=|^ISOLATE_CANARY_ENV=/m);
      // The proxy URL is there (the agent's own token), so the env dump did run.
      assert.match(r.stdout, /^HTTPS_PROXY=http:\/\/sluice:[^@]+@127\.0\.0\.1:\d+$/m);
    });
  });

  test('--user runs the command as another uid, still only through the gate', { skip: process.getuid?.() === 0 ? false : 'needs root' }, async (t) => {
    const name = 'sluice-iso-agent';
    if ((await exec('id', ['-u', name])).code !== 0) {
      const add = await exec('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
      assert.equal(add.code, 0, add.stderr);
    }
    const uid = (await exec('id', ['-u', name])).stdout.trim();
    const gid = (await exec('id', ['-g', name])).stdout.trim();
    // Root may make namespaces where an unprivileged uid may not (AppArmor, sysctls).
    const asUser = await isolationSupport({ uid: Number(uid), gid: Number(gid) });
    if (!asUser.ok) {
      t.skip(`${name} cannot make a sandbox here: ${asUser.why}`);
      return;
    }
    const r = await sh(`id -u; curl -sS ${origin}/; cat ${join(d.dir, 'master.key')} >/dev/null 2>&1 && echo READ || echo denied`, [
      '--isolate',
      '--user',
      name,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${uid}\nhello from upstream\ndenied\n`);
  });

  test('SIGTERM to sluice run reaches the command inside the sandbox, which exits as it chooses', async () => {
    const child = spawn(
      process.execPath,
      [
        SLUICE_BIN,
        'run',
        '--config',
        d.configFile,
        '--gate',
        gate!.address,
        '--isolate',
        '--',
        'sh',
        '-c',
        'trap "echo got-term; exit 7" TERM; echo ready; sleep 30 & wait',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd,
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          if (out.includes('ready\n')) resolve();
        });
        child.once('exit', () => reject(new Error(`exited before the command started: ${out}`)));
      });
      child.kill('SIGTERM');
      assert.equal(await exited, 7);
      assert.equal(out, 'ready\ngot-term\n');
    } finally {
      clearTimeout(timer);
      child.kill('SIGKILL');
    }
  });

  test('--print-env lists what it sets, with the token masked', async () => {
    const r = await sluice(['run', '--config', d.configFile, '--gate', gate!.address, '--isolate', '--print-env'], { env, cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTPS_PROXY=http:\/\/sluice:\*\*\*\*@127\.0\.0\.1:\d+$/m);
    assert.match(r.stdout, /^npm_config_cafile=\/run\/sluice\/trust\/ca-bundle\.pem$/m);
    assert.match(r.stdout, /^unset NO_PROXY$/m);
    assert.doesNotMatch(r.stdout, /eyJ/);
  });
});
