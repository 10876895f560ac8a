/** Loopback ports for the contenders: pick a free one, and wait until something accepts on it. */
import { connect, createServer, type AddressInfo } from 'node:net';

/** A port that was free a moment ago (the contender binds it next; a collision fails loudly at start-up). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolve once 127.0.0.1:port accepts a connection; reject after `timeoutMs` or when `alive()` turns false. */
export async function waitForPort(port: number, timeoutMs = 30_000, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new Error(`exited before listening on ${port}`);
    if (Date.now() > deadline) throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
