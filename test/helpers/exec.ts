import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The raw bytes of stdout, with `binary: true`. */
  stdoutBuffer?: Buffer;
}

/** Run a real program to completion (bounded by `timeoutMs`), capturing its output. */
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
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
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
