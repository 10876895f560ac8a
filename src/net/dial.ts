import { connect, type OnReadOpts, type Socket } from 'node:net';

/**
 * Dial exactly the vetted address (never a name again), with a connect timeout.
 * Rejects like undici does (`UND_ERR_CONNECT_TIMEOUT`), so the refusal table reads one code.
 *
 * @example
 * const s = await dial('93.184.216.34', 443, 10_000, relay.onread);
 */
export function dial(address: string, port: number, timeoutMs: number, onread: OnReadOpts): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: address, port, noDelay: true, onread });
    const timer = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
