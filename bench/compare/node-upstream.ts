/**
 * The fallback upstream when nginx is not installed: HTTP and HTTPS on loopback with
 * the same routes as the nginx one (see upstream.ts). Prints
 * "node upstream http PORT https PORT".
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const ONE_K = Buffer.alloc(1024, 0x61);
const CHUNK = Buffer.alloc(256 * 1024);
const BULK = 1024 * 1024 * 1024;

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/1k') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': ONE_K.length }).end(ONE_K);
  } else if (req.url === '/check') {
    const body = req.headers.authorization ?? '';
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) }).end(body);
  } else if (req.url === '/1g') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BULK });
    let sent = 0;
    const pump = (): void => {
      while (sent < BULK) {
        sent += CHUNK.length;
        if (!res.write(CHUNK)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  } else {
    res.writeHead(404, { 'content-length': 0 }).end();
  }
  req.resume();
}

const { values } = parseArgs({ options: { cert: { type: 'string' }, key: { type: 'string' } }, strict: true });
if (values.cert === undefined || values.key === undefined) throw new Error('usage: node-upstream --cert FILE --key FILE');
const opts = { keepAliveTimeout: 600_000, headersTimeout: 60_000, requestTimeout: 0 };
const http = createHttp(opts, handle);
const https = createHttps({ ...opts, cert: readFileSync(values.cert), key: readFileSync(values.key) }, handle);
await new Promise<void>((r) => http.listen(0, '127.0.0.1', 4096, r));
await new Promise<void>((r) => https.listen(0, '127.0.0.1', 4096, r));
process.stdout.write(`node upstream http ${(http.address() as AddressInfo).port} https ${(https.address() as AddressInfo).port}\n`);
process.once('SIGTERM', () => process.exit(0));
