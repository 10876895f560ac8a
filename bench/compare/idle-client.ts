/**
 * Opens N CONNECT tunnels through a proxy and holds them idle, for the idle scenario.
 * With --tls, completes a TLS handshake inside each tunnel too (an intercepting proxy
 * then holds a TLS session per tunnel). Opens `--parallel` at a time, prints one JSON
 * line ({opened, failed, seconds, firstError}) once all are up, then keeps them until
 * stdin closes or it is signalled.
 *
 * @example
 * node dist/bench/compare/idle-client.js --proxy-port 8877 --port 8443 --count 10000
 */
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'proxy-port': { type: 'string' },
    port: { type: 'string' },
    count: { type: 'string', default: '10000' },
    parallel: { type: 'string', default: '100' },
    tls: { type: 'boolean', default: false },
    ca: { type: 'string' },
  },
  strict: true,
});
if (values['proxy-port'] === undefined || values.port === undefined)
  throw new Error('usage: idle-client --proxy-port N --port N [--count N] [--tls --ca FILE]');
const proxyPort = Number(values['proxy-port']);
const target = `127.0.0.1:${values.port}`;
const auth = process.env.SLUICE_BENCH_PROXY_AUTH;
const ca = values.ca === undefined ? undefined : readFileSync(values.ca);
const held: Socket[] = [];

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect(proxyPort, '127.0.0.1');
    let head = '';
    const fail = (e: Error): void => {
      sock.destroy();
      reject(e);
    };
    sock.once('error', fail);
    sock.setTimeout(60_000, () => fail(new Error('timed out opening a tunnel')));
    sock.once('connect', () => sock.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`));
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      sock.removeListener('data', onData);
      if (!/^HTTP\/1\.[01] 200/.test(head)) return fail(new Error(`CONNECT refused: ${head.split('\r\n')[0]}`));
      sock.setTimeout(0);
      if (!values.tls) {
        sock.removeListener('error', fail);
        sock.on('error', () => undefined);
        held.push(sock);
        return resolve();
      }
      const tls = tlsConnect({ socket: sock, host: '127.0.0.1', ca, ALPNProtocols: ['http/1.1'] });
      tls.once('secureConnect', () => {
        tls.on('error', () => undefined);
        held.push(tls);
        resolve();
      });
      tls.once('error', fail);
    };
    sock.on('data', onData);
  });
}

const count = Number(values.count);
let next = 0;
let failed = 0;
let firstError: string | undefined;
const t0 = Date.now();
async function lane(): Promise<void> {
  while (next < count) {
    next++;
    try {
      await open();
    } catch (e) {
      failed++;
      firstError ??= e instanceof Error ? e.message : String(e);
    }
  }
}
await Promise.all(Array.from({ length: Number(values.parallel) }, lane));
const alive = held.filter((s) => !s.destroyed).length;
process.stdout.write(JSON.stringify({ opened: alive, failed, seconds: (Date.now() - t0) / 1000, firstError }) + '\n');
process.stdin.resume();
process.stdin.once('end', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
