import { connect as netConnect, type OnReadOpts, type Socket } from 'node:net';

/**
 * Open a TCP connection to a vetted address (never a name: the resolver has already
 * classified it, and a second lookup here could answer differently). `onread` lets
 * the relay read into its own buffer; the timeout is the gate's
 * `timeouts.upstream_connect`, failing with undici's code so every upstream failure
 * maps alike (errors-map.ts).
 *
 * @example
 * const upstream = await dial('203.0.113.7', 443, 10_000, relay.onread);
 */
export function dial(address: string, port: number, timeoutMs: number, onread: OnReadOpts): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: address, port, noDelay: true, onread });
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
