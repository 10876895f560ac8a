/**
 * The inside half of the sandbox's only network path, run by bubblewrap as the
 * sandbox's first process: it listens on 127.0.0.1:PORT in the sandbox's own network
 * namespace (loopback only), pipes each connection to the bridge's Unix socket, then
 * starts the agent's command with the proxy variables pointing at 127.0.0.1:PORT and
 * exits with its status. Standalone on purpose: it imports nothing from Sluice, so
 * the sandbox loads no code that knows where keys live.
 *
 * usage: node inside-relay.js PORT SOCKET CMD [ARGS...]
 */
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { constants } from 'node:os';

const [portArg, socketPath, cmd, ...args] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port < 1 || port > 65535 || !socketPath || !cmd) {
  process.stderr.write('sluice run (sandbox): usage: inside-relay PORT SOCKET CMD [ARGS...]\n');
  process.exit(2);
}

// Handlers first: as the namespace's init this process receives only the signals it
// handles, and one may come while the listener is still starting.
let child: ReturnType<typeof spawn> | undefined;
let pending: NodeJS.Signals | undefined;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (child) child.kill(sig);
    else pending = sig;
  });
}

const server = createServer((inside) => {
  const outside = connect(socketPath);
  const end = (): void => {
    inside.destroy();
    outside.destroy();
  };
  inside.on('error', end).on('close', end);
  outside.on('error', end).on('close', end);
  inside.pipe(outside);
  outside.pipe(inside);
});
server.on('error', (err: NodeJS.ErrnoException) => {
  process.stderr.write(`sluice run (sandbox): cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}\n`);
  process.exit(126);
});
server.listen({ host: '127.0.0.1', port }, () => {
  child = spawn(cmd, args, { stdio: 'inherit' });
  if (pending) child.kill(pending);
  child.once('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(`sluice run: cannot start '${cmd}': ${err.code === 'ENOENT' ? 'command not found' : err.message}\n`);
    process.exit(127);
  });
  child.once('exit', (code, signal) => {
    process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
  });
});
