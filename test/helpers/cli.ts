import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, PROCESS_BOUND_MS, SLUICE_BIN, type ExecResult } from './exec.js';

/** Run the built `sluice` CLI as a user would: `node dist/src/cli/main.js ARGS`. */
export function sluice(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string; uid?: number; gid?: number } = {},
): Promise<ExecResult> {
  return exec(process.execPath, [SLUICE_BIN, ...args], opts);
}

export interface InitDir {
  dir: string;
  configFile: string;
  caFile: string;
  keyFile: string;
}

/**
 * `sluice init` into a fresh temp folder, then append `yaml` to the starter config,
 * as an operator editing the file would. The starter ends inside `rules:`, so `yaml`
 * may start with rule items (indented two spaces) and go on with top-level sections.
 */
export async function initDir(yaml = ''): Promise<InitDir> {
  const dir = join(await mkdtemp(join(tmpdir(), 'sluice-cli-')), 'data');
  const r = await sluice(['init', '--dir', dir]);
  if (r.code !== 0) throw new Error(`sluice init failed (${r.code}): ${r.stderr}`);
  const configFile = join(dir, 'sluice.yaml');
  if (yaml) await appendFile(configFile, yaml);
  return { dir, configFile, caFile: join(dir, 'ca.pem'), keyFile: join(dir, 'ca-key.pem') };
}

/**
 * initDir's YAML for one rule `id` on api.upstream.test, which resolves to 127.0.0.1
 * (a loopback test upstream the gate may reach); `ruleLines` go into the rule.
 *
 * @example
 * const d = await initDir(loopbackUpstream('upstream', '    agents: [default]\n'));
 */
export function loopbackUpstream(id: string, ruleLines = ''): string {
  return `  - id: ${id}
    hosts: [api.upstream.test]
${ruleLines}dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
`;
}

/**
 * Turn on `log.audit` in an initDir config (the starter's commented line, edited as an
 * operator would): for tests that read audit records from the gate's stderr, which
 * by default carries none while audit.db keeps them.
 */
export async function logAuditOn(configFile: string): Promise<void> {
  const text = await readFile(configFile, 'utf8');
  const on = text.replace(/^ {2}# audit: true {2}/m, '  audit: true    ');
  if (on === text) throw new Error(`no '# audit: true' line in the log section of ${configFile}`);
  await writeFile(configFile, on);
}

export interface CliGate {
  port: number;
  /** `127.0.0.1:PORT`, for `sluice run --gate`. */
  address: string;
  child: ChildProcess;
  /** Everything the gate wrote to stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** The gate's JSON log lines (audit records among them), parsed. */
  logLines(): Record<string, unknown>[];
  /** Signal the gate (SIGTERM by default) and wait for it to exit; SIGKILL after `timeoutMs`. Idempotent. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();
// Last resort: a test file that dies without running its after() hooks must not leave gates behind.
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/**
 * `sluice start --config FILE --listen 127.0.0.1:0` as a child process; resolves once
 * it prints `sluice listening on http://HOST:PORT` (bounded by `timeoutMs`, default PROCESS_BOUND_MS).
 * Always `stop()` it in an after() hook.
 */
export async function startCliGate(configFile: string, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; port?: number } = {}): Promise<CliGate> {
  const child = spawn(process.execPath, [SLUICE_BIN, 'start', '--config', configFile, '--listen', `127.0.0.1:${opts.port ?? 0}`], {
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, timeoutMs);
    });
    await Promise.race([exited, forced]);
    clearTimeout(timer);
    return exited;
  };

  const port = await new Promise<number>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      void stop('SIGKILL').then(() => reject(new Error(`sluice start: ${why}\nstdout: ${out}\nstderr: ${err}`)));
    };
    const timer = setTimeout(() => fail('no "listening" line in time'), opts.timeoutMs ?? PROCESS_BOUND_MS);
    const onData = (): void => {
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      const m = /^sluice listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(out.slice(0, nl));
      if (m) resolve(Number(m[1]));
      else fail(`unexpected first line ${JSON.stringify(out.slice(0, nl))}`);
    };
    child.stdout.on('data', onData);
    void exited.then(({ code, signal }) => {
      if (!out.includes('\n')) fail(`exited early (code ${code}, signal ${signal})`);
    });
  });

  return {
    port,
    address: `127.0.0.1:${port}`,
    child,
    stdout: () => out,
    stderr: () => err,
    logLines: () =>
      err
        .slice(0, err.lastIndexOf('\n') + 1)
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    stop,
  };
}
