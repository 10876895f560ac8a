/**
 * A redis-server of a test's own, on a free loopback port, for fault tests: kill it
 * mid-load, start it again on the same port. Never the machine's Redis (other tests
 * share that one). No persistence: a restarted server starts empty.
 *
 * @example
 * const r = await startOwnRedis();
 * after(() => r.stop());
 * await r.kill(); // SIGKILL, as a crash
 * await r.start(); // same port, empty
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** Start (again) on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGKILL it and wait for it to exit. */
  kill(): Promise<void>;
  /** Kill it if running (for after()). */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const r: OwnRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      child = c;
      live.add(c);
      c.once('exit', () => live.delete(c));
      const until = Date.now() + 10_000;
      for (;;) {
        const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          await probe.ping();
          probe.disconnect();
          return;
        } catch {
          probe.disconnect();
          if (c.exitCode !== null || Date.now() > until) throw new Error(`redis-server on port ${port} did not start`);
          await new Promise((res) => setTimeout(res, 50));
        }
      }
    },
    async kill() {
      const c = child;
      if (c === null || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((res) => c.once('exit', res));
      c.kill('SIGKILL');
      await exited;
    },
    stop() {
      return r.kill();
    },
  };
  await r.start();
  return r;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}
