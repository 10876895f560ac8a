import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { upstreamPki } from './pki.js';
import { LeafMinter } from '../../src/tls/leaf-minter.js';

export interface Upstream {
  port: number;
  url: string;
  /** Every request the upstream saw, in order (headers as received). */
  seen: { method: string; url: string; headers: IncomingMessage['headers']; bodyBytes: number }[];
  close(): Promise<void>;
}

/**
 * A real HTTP or HTTPS server on loopback (port 0) that tests point the gate at.
 *
 * Routes: `/echo` (JSON of what arrived, including every header), `/bytes?n=N`
 * (N bytes streamed, never buffered), `/upload` (counts the body, answers the count),
 * `/status/NNN`, and anything else answers `hello from upstream`.
 */
export async function startUpstream(opts: { tls?: boolean; host?: string; names?: string[] } = {}): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => (bodyBytes += c.length));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes });
      route(req, res, bodyBytes);
    });
  };
  const server = opts.tls ? await createTlsServer(handler, opts.names ?? ['127.0.0.1']) : createHttp(handler);
  // No idle close from this side (and no Keep-Alive hint): the gate's pool closes an idle
  // connection after 4 s, Node's server by default after 5 s, and when the gate's event
  // loop ran more than that second late (a loaded machine) it reused a connection this
  // server had just closed: 502 upstream_failed (UND_ERR_SOCKET) for a request of the test's.
  server.keepAliveTimeout = 0;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function route(req: IncomingMessage, res: ServerResponse, bodyBytes: number): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/echo' || url.pathname.endsWith('/echo')) {
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyBytes });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  if (url.pathname === '/bytes') {
    const total = Number(url.searchParams.get('n') ?? '0');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
    return;
  }
  if (url.pathname === '/upload') {
    const body = JSON.stringify({ received: bodyBytes });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
    return;
  }
  const m = /^\/status\/(\d{3})$/.exec(url.pathname);
  if (m) {
    res.writeHead(Number(m[1]));
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello from upstream\n');
}

/**
 * An HTTPS server with leaves from this run's upstream test CA, one per SNI name; a
 * client that sends no SNI (an IP target) gets the first name's certificate.
 *
 * @example
 * const server = await createTlsServer((req, res) => res.end('ok'), ['s3.us-east-1.amazonaws.com']);
 */
export async function createTlsServer(handler: (req: IncomingMessage, res: ServerResponse) => void, names: readonly string[]): Promise<Server> {
  const pki = await upstreamPki();
  const minter = new LeafMinter(pki.ca);
  const leaf = minter.mint(names[0]!);
  return createHttps(
    {
      key: minter.keyPem,
      cert: leaf.chainPem,
      SNICallback: (name, cb) => {
        pki.leaves.get(name).then(
          (ctx) => cb(null, ctx),
          (err: Error) => cb(err),
        );
      },
    },
    handler,
  );
}
