/**
 * A TLS session with the gate inside a CONNECT tunnel, for tests of intercepted traffic:
 * the one way to open it, bounded in time (a test that waits for the gate fails with what
 * it was waiting for, never hangs).
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { TestGate } from './gate.js';

/**
 * CONNECT host:port through the gate (`auth`: its Proxy-Authorization, null for none) and
 * start TLS with its interception leaf (verified against the gate's CA, ALPN http/1.1);
 * rejects with the status line when the CONNECT is refused.
 */
export function interceptedTunnel(g: TestGate, host: string, port: number, auth: string | null): Promise<TLSSocket> {
  return bounded(`the CONNECT to ${host}:${port} and the TLS handshake with the gate did not complete`, (resolve, reject) => {
    connectTunnel(g, `${host}:${port}`, auth).then((raw) => {
      if (typeof raw === 'string') return reject(new Error(`CONNECT refused: ${raw}`));
      const t = tlsConnect({ socket: raw, servername: host, ca: [g.caPem], ALPNProtocols: ['http/1.1'] }, () => resolve(t));
      t.on('error', reject);
    }, reject);
  });
}

/** CONNECT through the gate: the raw socket once the gate said 200, or the status line it refused with. */
export function connectTunnel(g: TestGate, authority: string, auth: string | null): Promise<Socket | string> {
  return new Promise((resolve, reject) => {
    const raw = connect({ port: g.port, host: '127.0.0.1' }, () => {
      raw.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`);
    });
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      raw.off('data', onData);
      if (/^HTTP\/1\.1 200/.test(head)) resolve(raw);
      else {
        resolve(head.split('\r\n')[0] ?? '');
        raw.destroy();
      }
    };
    raw.on('data', onData);
    raw.on('error', reject);
    raw.on('close', () => reject(new Error(`the gate closed the CONNECT without an answer: ${JSON.stringify(head)}`))); // no-op once resolved
  });
}

/** How long a helper waits for the gate before it fails the test with what it was waiting for (never forever). */
export const WAIT_MS = 60_000;

/** A promise that rejects with `what` if it has not settled within WAIT_MS. */
export function bounded<T>(what: string, start: (resolve: (v: T) => void, reject: (err: Error) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} within ${WAIT_MS / 1000} s`)), WAIT_MS);
    start(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
