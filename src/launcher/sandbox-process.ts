/**
 * Start bubblewrap and pass signals on to the relay inside it. bwrap forwards no
 * signal, and killing bwrap would SIGKILL the sandbox (--die-with-parent), so a
 * Ctrl-C or a SIGTERM to `sluice run` would never reach the command as itself. bwrap
 * writes the sandbox's first process's host pid to --info-fd; that process is the
 * relay (--as-pid-1), which hands the signal to the command.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { spawnWrapped } from './spawn-child.js';

/**
 * `args` must contain `--info-fd 3`.
 *
 * @example
 * const code = await startSandboxed('sluice run', '/usr/bin/bwrap', [...sandbox, '--info-fd', '3', '--', ...relay, 'curl', url], env, {});
 */
export function startSandboxed(
  label: string,
  bwrap: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ids: { uid?: number; gid?: number },
): Promise<number> {
  let pid: number | undefined;
  let pending: NodeJS.Signals | undefined;
  const deliver = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid!, sig);
    } catch {
      // The sandbox is already gone; its exit status is on the way.
    }
  };
  const onSignal = (_child: ChildProcess, sig: NodeJS.Signals): void => {
    if (pid === undefined) pending = sig;
    else deliver(sig);
  };
  const { child, exited } = spawnWrapped(label, bwrap, args, { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], env, ...ids, onSignal });
  const info = child.stdio[3] as Readable | null;
  let text = '';
  info?.on('data', (b: Buffer) => {
    if (text.length > 4096) return;
    text += b.toString();
    const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
    if (m && pid === undefined) {
      pid = Number(m[1]);
      if (pending) deliver(pending);
    }
  });
  info?.on('error', () => {});
  return exited;
}
