/**
 * A bulk HTTPS upstream for benchmarks, run as its own process so its memory is never
 * counted as the gate's. Streams with backpressure in both directions; never buffers.
 *
 *   GET  /bytes?n=N  answers N bytes (content-length N)
 *   POST /upload     counts the request body and answers {"received": N};
 *                    with ?bps=N it reads at most N bytes a second (a slow upstream)
 *   anything else    answers "ok"
 *
 * @example
 * node dist/bench/bulk-upstream.js --ca-cert up-ca.pem --ca-key up-ca-key.pem
 * # prints "bulk upstream listening on 127.0.0.1:PORT"
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { loadCa } from '../src/tls/ca.js';
import { LeafCertCache } from '../src/tls/leaf-cache.js';

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

function sendBytes(res: ServerResponse, total: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const n = Math.min(CHUNK.length, total - sent);
      sent += n;
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://x');
  let received = 0;
  const bps = Number(url.searchParams.get('bps') ?? '0');
  const started = Date.now();
  req.on('data', (c: Buffer) => {
    received += c.length;
    if (bps > 0) {
      // Ahead of the allowed rate: stop reading until time catches up, so TCP pushes back.
      const aheadMs = (received / bps) * 1000 - (Date.now() - started);
      if (aheadMs > 5) {
        req.pause();
        setTimeout(() => req.resume(), aheadMs);
      }
    }
  });
  req.on('end', () => {
    if (req.method === 'GET' && url.pathname === '/bytes') {
      const n = Number(url.searchParams.get('n') ?? '0');
      if (!Number.isSafeInteger(n) || n < 0) {
        res.writeHead(400).end('n must be a non-negative integer\n');
        return;
      }
      sendBytes(res, n);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/upload') {
      const body = JSON.stringify({ received });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 }).end('ok\n');
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'ca-cert': { type: 'string' }, 'ca-key': { type: 'string' }, name: { type: 'string', default: 'bulk.upstream.test' } },
    strict: true,
  });
  if (values['ca-cert'] === undefined || values['ca-key'] === undefined) {
    throw new Error('usage: bulk-upstream --ca-cert FILE --ca-key FILE [--name HOST]');
  }
  const leaves = new LeafCertCache(await loadCa(values['ca-cert'], values['ca-key']));
  const server = createServer(
    {
      secureContext: await leaves.get(values.name),
      SNICallback: (name, cb) => {
        leaves.get(name).then(
          (ctx) => cb(null, ctx),
          (err: Error) => cb(err),
        );
      },
    },
    handle,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`bulk upstream listening on 127.0.0.1:${port}\n`);
  const stop = (): void => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bulk-upstream: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
