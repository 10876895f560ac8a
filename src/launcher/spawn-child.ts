/**
 * Start the command a wrapper (`sluice run`, `sluice mcp`) runs, with SIGINT,
 * SIGTERM and SIGHUP passed on to it, and its exit status as a shell reports one.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants as osConstants } from 'node:os';

export interface WrappedChild {
  child: ChildProcess;
  /** The exit code; 128 + the signal number when a signal ended it; 127 when it could not start. */
  exited: Promise<number>;
}

export interface SpawnWrappedOptions {
  stdio: StdioOptions;
  env: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  /** Deliver a forwarded signal some other way than child.kill (a sandbox's inner process). */
  onSignal?: (child: ChildProcess, sig: NodeJS.Signals) => void;
}

/**
 * @example
 * const { exited } = spawnWrapped('sluice run', 'curl', ['https://example.com/'], { stdio: 'inherit', env });
 * process.exitCode = await exited;
 */
export function spawnWrapped(label: string, cmd: string, args: readonly string[], opts: SpawnWrappedOptions): WrappedChild {
  // Catch signals before the child exists: it can print (and whoever watches it can
  // signal us) before spawn() even returns; a signal with no handler would kill this
  // process and leave the child running.
  const running: { child?: ChildProcess; pending?: NodeJS.Signals } = {};
  const { onSignal = (c: ChildProcess, sig: NodeJS.Signals) => c.kill(sig), ...spawnOpts } = opts;
  const forward = (sig: NodeJS.Signals): void => {
    if (running.child) onSignal(running.child, sig);
    else running.pending = sig;
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const sig of signals) process.on(sig, forward);
  const child = spawn(cmd, args, spawnOpts);
  running.child = child;
  if (running.pending) onSignal(child, running.pending);
  const exited = new Promise<number>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(`${label}: cannot start '${cmd}': ${err.code === 'ENOENT' ? 'command not found' : err.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => {
      resolve(code ?? 128 + (signal ? signalNumber(signal) : 0));
    });
  });
  return { child, exited };
}

function signalNumber(signal: NodeJS.Signals): number {
  return osConstants.signals[signal] ?? 0;
}
