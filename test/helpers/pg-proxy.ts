/**
 * A TCP proxy of a test's own in front of the machine's PostgreSQL, to play
 * "PostgreSQL stopped" without stopping it (other tests use it): `cut()` destroys
 * every connection through it and stops listening (a client then gets ECONNREFUSED),
 * `open()` listens again on the same port.
 *
 * @example
 * const proxy = await startPgProxy();
 * const url = proxy.url('test');       // postgres://root@127.0.0.1:PORT/test
 * await proxy.cut(); ... await proxy.open();
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface PgProxy {
  readonly port: number;
  /** A PostgreSQL URL through the proxy. */
  url(db?: string): string;
  /** Connections made through it since it started. */
  readonly connections: number;
  cut(): Promise<void>;
  open(): Promise<void>;
  close(): Promise<void>;
}

export async function startPgProxy(target = { host: '127.0.0.1', port: 5432 }): Promise<PgProxy> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let port = 0;
  const make = (): Server =>
    createServer((client) => {
      connections++;
      const server = createConnection(target);
      sockets.add(client);
      sockets.add(server);
      const end = (): void => {
        client.destroy();
        server.destroy();
        sockets.delete(client);
        sockets.delete(server);
      };
      client.on('error', end).on('close', end);
      server.on('error', end).on('close', end);
      client.pipe(server);
      server.pipe(client);
    });
  let server: Server | null = make();
  const listen = (s: Server, p: number): Promise<void> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(p, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    });
  await listen(server, 0);
  port = (server.address() as AddressInfo).port;
  const cut = async (): Promise<void> => {
    const s = server;
    server = null;
    if (s) {
      const closed = new Promise<void>((r) => s.close(() => r()));
      for (const sock of sockets) sock.destroy();
      sockets.clear();
      await closed;
    }
  };
  return {
    port,
    url: (db = 'test') => `postgres://root@127.0.0.1:${port}/${db}`,
    get connections() {
      return connections;
    },
    cut,
    async open() {
      if (server) return;
      const s = make();
      await listen(s, port);
      server = s;
    },
    close: cut,
  };
}
