/**
 * Child processes for benchmarks: each in its own process group (so a shell pipeline
 * dies whole), remembered so one `stopAll()` in a `finally` ends every one of them.
 *
 * @example
 * const kids = new Children();
 * try {
 *   const up = kids.spawn('node', ['dist/bench/bulk-upstream.js', ...]);
 *   const line = await firstLine(up, /listening on (\S+)/);
 * } finally {
 *   await kids.stopAll();
 * }
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class Children {
  readonly #live = new Set<ChildProcessWithoutNullStreams>();
  #stopped = false;

  /**
   * Start `cmd` in a new process group with piped stdio. Throws once `stopAll()` has begun.
   * `env` entries are added to this process's environment for the child.
   */
  spawn(cmd: string, args: readonly string[], env?: Record<string, string>): ChildProcessWithoutNullStreams {
    if (this.#stopped) throw new Error(`not starting ${cmd}: stopping`);
    const child = spawn(cmd, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
    this.#live.add(child);
    child.once('exit', () => this.#live.delete(child));
    child.once('error', () => this.#live.delete(child));
    return child;
  }

  /** Run to completion, capturing output (bounded: these commands print a line or two). */
  run(cmd: string, args: readonly string[], timeoutMs: number, env?: Record<string, string>): Promise<Finished> {
    const child = this.spawn(cmd, args, env);
    child.stdin.end();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      });
    });
  }

  /** SIGTERM every live group, then SIGKILL whatever is still there after `graceMs`. */
  async stopAll(graceMs = 2000): Promise<void> {
    this.#stopped = true;
    const live = [...this.#live];
    const exited = live.map(
      (c) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()))),
    );
    for (const c of live) killGroup(c, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exited), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const c of live) killGroup(c, 'SIGKILL');
  }
}

function killGroup(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Wait for the first stdout line of a long-running child and match it; stdout and
 * stderr keep draining afterwards so the child never blocks on a full pipe. Rejects with
 * the child's stderr if it exits first or the line does not match.
 */
export function firstLine(child: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
  const errTail: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    errTail.push(s);
    if (errTail.length > 50) errTail.shift();
  });
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new Error(`${why}\n${errTail.join('')}`.trim()));
    };
    const timer = setTimeout(() => fail(`no first line within ${timeoutMs} ms`), timeoutMs);
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before printing its first line`));
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = pattern.exec(line);
      if (m) resolve(m);
      else fail(`unexpected first line: ${line}`);
    });
  });
}
