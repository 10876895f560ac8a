import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext } from 'node:tls';
import { Rejection } from '../errors-map.js';
import type { Destination } from '../destination.js';

export interface UpstreamUpgrade {
  socket: Socket;
  /** Bytes the upstream sent after its 101 (the first frames, if any). */
  head: Buffer;
  res: IncomingMessage;
}

export interface OpenOptions {
  path: string;
  headers: Record<string, string | string[]>;
  /** Trust for wss upstreams without a route of their own (system roots plus `tls.upstream_ca`). */
  secureContext: SecureContext;
  connectTimeoutMs: number;
  /** Time from connecting to the upstream's response head. */
  responseTimeoutMs: number;
}

/**
 * Dial the vetted address (TLS for wss, verified like the upstream pools: the
 * gate's trust or the route's, SNI and certificate name from `servername`), send the
 * upgrade request and wait for the upstream's 101. Nothing resolves a name here: the
 * HTTP client writes on the socket dialled, whatever the Host header says. Any answer
 * other than 101 is refused as `upstream_failed` with its status in the reason.
 *
 * @example
 * const up = await openUpstream(dest, { path: '/ws', headers, secureContext, connectTimeoutMs: 10_000, responseTimeoutMs: 60_000 });
 */
export function openUpstream(dest: Destination, opts: OpenOptions): Promise<UpstreamUpgrade> {
  return new Promise((resolve, reject) => {
    const socket = dial(dest, opts.secureContext);
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    let timer = setTimeout(() => fail(codeError('timed out connecting to the upstream', 'UND_ERR_CONNECT_TIMEOUT')), opts.connectTimeoutMs);
    socket.once(dest.scheme === 'https' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(codeError('no response head in time', 'UND_ERR_HEADERS_TIMEOUT')), opts.responseTimeoutMs);
    });
    const req = httpRequest({
      method: 'GET',
      path: opts.path,
      headers: opts.headers,
      setHost: false,
      createConnection: () => socket,
    });
    req.on('upgrade', (res: IncomingMessage, upSocket: Socket, head: Buffer) => {
      if (settled) return void upSocket.destroy();
      settled = true;
      clearTimeout(timer);
      resolve({ socket: upSocket, head, res });
    });
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      fail(new Rejection('upstream_failed', `the upstream answered ${res.statusCode ?? 0} instead of switching to WebSocket`));
    });
    req.on('error', (err) => fail(err));
    req.end();
  });
}

function dial(dest: Destination, trust: SecureContext): Socket {
  if (dest.scheme === 'http') return netConnect({ host: dest.address, port: dest.port, noDelay: true });
  return tlsConnect({
    host: dest.address,
    port: dest.port,
    ...(dest.servername ? { servername: dest.servername } : {}),
    secureContext: dest.route?.secureContext ?? trust,
    rejectUnauthorized: true,
    ALPNProtocols: ['http/1.1'],
  });
}

function codeError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}
