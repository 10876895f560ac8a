/**
 * HTTPS load through a CONNECT proxy (or straight to the upstream), run as its own
 * process so its CPU is never the proxy's. undici's Pool with a connector that opens
 * the tunnel itself (CONNECT, then TLS to the target inside it) and never resumes TLS
 * sessions, so every new connection is a full handshake.
 *
 *   keepalive  N connections, each reused for request after request
 *   handshake  every request on a new connection (new CONNECT + TLS), N at a time
 *
 * Every request's latency (hrtime, from dispatch to the last body byte) goes into a
 * sample; prints one JSON line: rps, p50, p99 (ms), requests, errors.
 *
 * @example
 * SLUICE_BENCH_PROXY_AUTH="Basic ..." node dist/bench/compare/https-load.js \
 *   --port 8443 --path /1k --ca ca.pem --proxy-port 8877 --connections 64 --seconds 10
 */
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { parseArgs } from 'node:util';
import { Pool, type buildConnector } from 'undici';
import { Latencies, quantile } from './stats.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    path: { type: 'string', default: '/1k' },
    ca: { type: 'string' },
    'proxy-port': { type: 'string' },
    connections: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'keepalive' },
    'expect-bytes': { type: 'string', default: '1024' },
  },
  strict: true,
});
if (values.port === undefined || values.ca === undefined) throw new Error('usage: https-load --port N --ca FILE [--proxy-port N] ...');
const HOST = '127.0.0.1';
const port = Number(values.port);
const ca = readFileSync(values.ca);
const proxyPort = values['proxy-port'] === undefined ? undefined : Number(values['proxy-port']);
const proxyAuth = process.env.SLUICE_BENCH_PROXY_AUTH;
const handshake = values.mode === 'handshake';
const expectBytes = Number(values['expect-bytes']);

/** TLS to the target over `socket` (a tunnel) or a fresh TCP connection. */
function startTls(cb: buildConnector.Callback, socket?: Socket): void {
  // host also names the certificate identity to check (with a socket alone Node checks 'localhost').
  const tls: TLSSocket = tlsConnect({ ...(socket ? { socket } : { port }), host: HOST, ca, ALPNProtocols: ['http/1.1'] });
  tls.once('secureConnect', () => {
    tls.removeListener('error', onErr);
    cb(null, tls);
  });
  const onErr = (e: Error): void => cb(e, null);
  tls.once('error', onErr);
}

const connector: buildConnector.connector = (_opts, cb) => {
  if (proxyPort === undefined) return startTls(cb);
  const sock = tcpConnect(proxyPort, HOST);
  sock.setNoDelay(true);
  let head = Buffer.alloc(0);
  const fail = (e: Error): void => {
    sock.destroy();
    cb(e, null);
  };
  sock.once('error', fail);
  sock.once('connect', () => {
    sock.write(`CONNECT ${HOST}:${port} HTTP/1.1\r\nHost: ${HOST}:${port}\r\n${proxyAuth ? `Proxy-Authorization: ${proxyAuth}\r\n` : ''}\r\n`);
  });
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    sock.removeListener('data', onData);
    sock.removeListener('error', fail);
    sock.pause();
    const status = head.subarray(0, head.indexOf('\r\n')).toString();
    if (!/^HTTP\/1\.[01] 200/.test(status)) return fail(new Error(`CONNECT refused: ${status}`));
    if (head.length > end + 4) sock.unshift(head.subarray(end + 4));
    startTls(cb, sock);
  };
  sock.on('data', onData);
};

const pool = new Pool(`https://${HOST}:${port}`, {
  connections: Number(values.connections),
  pipelining: 1,
  connect: connector,
  keepAliveTimeout: 600_000,
  keepAliveMaxTimeout: 600_000,
});

const lat = new Latencies();
let errors = 0;
let firstError: string | undefined;
const deadline = Date.now() + Number(values.seconds) * 1000;

async function worker(): Promise<void> {
  while (Date.now() < deadline) {
    const t0 = process.hrtime.bigint();
    try {
      const res = await pool.request({ path: values.path, method: 'GET', reset: handshake });
      const body = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode !== 200 || body.length !== expectBytes)
        throw new Error(`HTTP ${res.statusCode}, ${body.length} bytes: ${body.subarray(0, 200).toString()}`);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    } catch (e) {
      errors++;
      firstError ??= e instanceof Error ? e.message : String(e);
      // A refusing proxy must not turn the loop into a busy spin.
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: Number(values.connections) }, worker));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await pool.close();
const sorted = lat.sorted();
process.stdout.write(
  JSON.stringify({ rps: lat.count / seconds, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), requests: lat.count, errors, detail: firstError }) + '\n',
);
