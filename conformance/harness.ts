/**
 * A real gate for the runner: `sluice init` into a temp folder, the fixtures, a config
 * that routes every host to them (behind a blocklist rule for the benchmark's test
 * domain), `sluice start` as a child process and `sluice token` for an identity.
 *
 * Nothing a case names is ever resolved or dialled: IP-literal hosts are vetted for
 * SSRF before policy (so `http://169.254.169.254/` is still refused), and every name
 * is allowed only through a route to a loopback fixture.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFixtures, type Fixtures } from './fixtures.js';
import { AuditTail } from './audit-tail.js';

/** The built CLI, run as a user would: `node dist/src/cli/main.js`. */
export const SLUICE_BIN = new URL('../src/cli/main.js', import.meta.url).pathname;

/** The benchmark's blocklist domain (docs/RUNNER.md, "Domain blocklist seeding"). */
export const BLOCKLIST = ['exfil-collector.example.net', '*.exfil-collector.example.net'];

export interface Harness {
  dir: string;
  /** The gate's config (`sluice mcp` reads it too). */
  configFile: string;
  gatePort: number;
  /** PEM of the gate's interception CA: what an agent trusts. */
  gateCaPem: string;
  token: string;
  /** A token for the same tenant and agent bound to its own agent session (`sluice token --session`). */
  sessionToken(session: string): Promise<string>;
  fixtures: Fixtures;
  audit: AuditTail;
  /** Non-null once the gate process has exited. */
  gateExit(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** The last lines the gate wrote to stderr (for diagnosing errors). */
  gateStderr(): string;
  close(): Promise<void>;
}

export class HarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarnessError';
  }
}

/**
 * The gate config: blocklist first, then one catch-all allow rule per scheme, each
 * with a route to its fixture, and one MCP tool rule allowing every tool (tools are
 * denied by default; the cases measure scanning, not a tool allowlist). JSON is
 * valid YAML, so no quoting rules to get wrong.
 */
export function benchConfig(dir: string, fx: Pick<Fixtures, 'httpPort' | 'httpsPort' | 'caFile'>): Record<string, unknown> {
  return {
    version: 1,
    listen: '127.0.0.1:0',
    data_dir: dir,
    log: { level: 'warn' },
    audit: { sqlite: false, jsonl: join(dir, 'audit.jsonl') },
    routes: {
      'fixture-https': { url: `https://127.0.0.1:${fx.httpsPort}`, ca: fx.caFile },
      'fixture-http': { url: `http://127.0.0.1:${fx.httpPort}` },
    },
    rules: [
      { id: 'bench-blocklist', hosts: BLOCKLIST, action: 'deny' },
      { id: 'bench-https', schemes: ['https'], hosts: ['*'], route: 'fixture-https' },
      { id: 'bench-http', schemes: ['http'], hosts: ['*'], route: 'fixture-http' },
      // MCP tools are denied by default; the benchmark measures what the scanners do with every call.
      { id: 'bench-mcp-tools', mcp: { tools: ['**'] } },
    ],
  };
}

/** Start everything; on any failure, tear down what was started and throw HarnessError. */
export async function startHarness(opts: { keep?: boolean } = {}): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), 'sluice-conformance-'));
  const dir = join(root, 'data');
  let fixtures: Fixtures | undefined;
  let gate: GateProcess | undefined;
  const cleanup = async (): Promise<void> => {
    await gate?.stop();
    await fixtures?.close();
    if (!opts.keep) await rm(root, { recursive: true, force: true });
  };
  try {
    const init = await runCli(['init', '--dir', dir]);
    if (init.code !== 0) throw new HarnessError(`sluice init failed (exit ${init.code}): ${init.stderr.trim()}`);
    fixtures = await startFixtures(root);
    const configFile = join(dir, 'bench.yaml');
    await writeFile(configFile, `${JSON.stringify(benchConfig(dir, fixtures), null, 2)}\n`);
    gate = await startGate(configFile);
    const tok = await runCli(['token', '--tenant', 'bench', '--agent', 'runner', '--config', configFile, '--ttl', '1h']);
    if (tok.code !== 0) throw new HarnessError(`sluice token failed (exit ${tok.code}): ${tok.stderr.trim()}`);
    const gateCaPem = await readFile(join(dir, 'ca.pem'), 'utf8');
    const g = gate;
    const fx = fixtures;
    return {
      dir: root,
      configFile,
      gatePort: g.port,
      gateCaPem,
      token: tok.stdout.trim(),
      sessionToken: async (session) => {
        const t = await runCli(['token', '--tenant', 'bench', '--agent', 'runner', '--session', session, '--config', configFile, '--ttl', '1h']);
        if (t.code !== 0) throw new HarnessError(`sluice token --session ${session} failed (exit ${t.code}): ${t.stderr.trim()}`);
        return t.stdout.trim();
      },
      fixtures: fx,
      audit: new AuditTail(join(dir, 'audit.jsonl')),
      gateExit: () => g.exited,
      gateStderr: () => g.stderr(),
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    if (err instanceof HarnessError) throw err;
    throw new HarnessError(`could not start the gate harness: ${(err as Error).message}`);
  }
}

interface GateProcess {
  port: number;
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  stderr(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// Last resort if the runner dies without closing the harness: never leave a gate behind.
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** `sluice start --config F --listen 127.0.0.1:0`; resolves on its "listening" line. */
function startGate(configFile: string): Promise<GateProcess> {
  const child = spawn(process.execPath, [SLUICE_BIN, 'start', '--config', configFile, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  // Keep only the tail: a long run must not grow memory with the gate's log.
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-64 * 1024)));
  const proc: GateProcess = {
    port: 0,
    exited: null,
    stderr: () => err,
    stop: async () => {
      if (proc.exited) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
  child.once('exit', (code, signal) => {
    live.delete(child);
    proc.exited = { code, signal };
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new HarnessError(`sluice start printed no "listening" line within 20s\nstderr: ${err}`));
    }, 20_000);
    const onData = (): void => {
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      child.stdout.off('data', onData);
      clearTimeout(timer);
      const m = /^sluice listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(out.slice(0, nl));
      if (!m) {
        child.kill('SIGKILL');
        reject(new HarnessError(`sluice start: unexpected first line ${JSON.stringify(out.slice(0, nl))}\nstderr: ${err}`));
        return;
      }
      proc.port = Number(m[1]);
      resolve(proc);
    };
    child.stdout.on('data', onData);
    child.once('exit', (code, signal) => {
      if (proc.port !== 0) return;
      clearTimeout(timer);
      reject(new HarnessError(`sluice start exited (code ${code}, signal ${signal}) before listening\nstderr: ${err}`));
    });
  });
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SLUICE_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
