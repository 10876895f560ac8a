import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The raw bytes of stdout, with `binary: true`. */
  stdoutBuffer?: Buffer;
}

/**
 * How long a test lets one process take (a CLI call to exit, a gate to announce it
 * listens) before calling it hung. Only a bound: loading the gate's modules costs about
 * 4 s of CPU, and with the machine's two cores shared by other suites (load average ~20)
 * `sluice start` printed its first line after 11-44 s, once past 60 s; a tighter bound
 * fails healthy runs on a loaded machine, and a healthy run is no slower for it.
 */
export const PROCESS_BOUND_MS = 120_000;

/** Run a real program to completion (bounded by `timeoutMs`, default PROCESS_BOUND_MS), capturing its output. */
export function exec(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number; cwd?: string; binary?: boolean; uid?: number; gid?: number } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? PROCESS_BOUND_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const raw = Buffer.concat(out);
      resolve({
        code,
        signal,
        stdout: opts.binary ? '' : raw.toString(),
        stderr: Buffer.concat(err).toString(),
        ...(opts.binary ? { stdoutBuffer: raw } : {}),
      });
    });
    child.stdin.end(opts.input);
  });
}

/** Path to the built CLI, for tests that run `sluice` as a user would. */
export const SLUICE_BIN = new URL('../../src/cli/main.js', import.meta.url).pathname;
