/**
 * The outside half of the sandbox's only network path: a Unix socket in the run's
 * folder, each connection to it piped to the gate's TCP address. A Unix socket is a
 * file, so it crosses the network-namespace boundary when the sandbox mounts its
 * folder, and nothing else does. Bytes pass unmodified (the gate reads the identity
 * from the proxy request itself), so the bridge holds no state beyond two sockets
 * per connection and does no work per byte beyond copying.
 */
import { chmod } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface GateBridge {
  path: string;
  close(): Promise<void>;
}

/**
 * Listen on `path` (mode 0666: the agent may run as another uid, and the socket
 * grants nothing the gate's TCP port does not already grant to every local user).
 *
 * @example
 * const bridge = await openGateBridge('/tmp/sluice-run-x/gate.sock', { host: '127.0.0.1', port: 8877 });
 */
export async function openGateBridge(path: string, gate: { host: string; port: number }): Promise<GateBridge> {
  const open = new Set<Socket>();
  const server: Server = createServer((inside) => {
    const outside = connect({ host: gate.host, port: gate.port });
    open.add(inside).add(outside);
    const end = (): void => {
      inside.destroy();
      outside.destroy();
      open.delete(inside);
      open.delete(outside);
    };
    inside.on('error', end).on('close', end);
    outside.on('error', end).on('close', end);
    inside.pipe(outside);
    outside.pipe(inside);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await chmod(path, 0o666);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
