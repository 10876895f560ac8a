/**
 * Exchanges held open through a gate, for the tests that end them (sluice kill,
 * sluice quarantine): an endless event-stream server, a streamed download, a raw
 * CONNECT tunnel, a plain GET through the proxy, and a bounded wait.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { LeafMinter } from '../../src/tls/leaf-minter.js';
import type { TestGate } from './gate.js';
import { upstreamPki } from './pki.js';

export { connectTunnel } from './tunnel.js';

/**
 * How long a test waits for something that must happen (a cut, a record): only a bound,
 * generous for a loaded machine (at 6 s, upload bytes took longer to reach the upstream
 * with the two cores shared by other suites).
 */
export const BOUND_MS = 30_000;

/** Poll `get` until it gives a value, failing after `ms`. */
export async function waitFor<T>(what: string, get: () => T | undefined, ms = BOUND_MS): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A server (HTTP, or HTTPS for `name`) whose every answer but `/ok...` (and `/upload...`) is an endless event stream. */
export async function startTicker(tls: boolean, name = 'sse.test'): Promise<{ port: number; close(): Promise<void> }> {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url?.startsWith('/ok')) {
      res.end('ok');
      return;
    }
    if (req.url?.startsWith('/upload')) {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(String(n)));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const timer = setInterval(() => res.write(`data: tick ${n++}\n\n`), 20);
    res.on('close', () => clearInterval(timer));
  };
  let server: Server;
  if (tls) {
    const minter = new LeafMinter((await upstreamPki()).ca);
    server = createHttps({ key: minter.keyPem, cert: minter.mint(name).chainPem }, handler);
  } else {
    server = createServer(handler);
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** An open download: how many bytes came, and how it ended (undefined while open). */
export interface Download {
  bytes(): number;
  ended(): 'end' | 'cut' | undefined;
}

/** A GET whose response is read as it streams (through the gate as a proxy, or over `createConnection`). */
export function download(opts: { createConnection?: () => Socket; port?: number; path: string; host: string; auth?: string }): Download {
  let bytes = 0;
  let ended: 'end' | 'cut' | undefined;
  const req = request({
    ...(opts.createConnection ? { createConnection: opts.createConnection } : { host: '127.0.0.1', port: opts.port, agent: false }),
    path: opts.path,
    headers: { host: opts.host, ...(opts.auth ? { 'proxy-authorization': opts.auth } : {}) },
  });
  req.on('response', (res) => {
    res.on('data', (c: Buffer) => (bytes += c.length));
    res.on('close', () => (ended ??= res.complete ? 'end' : 'cut'));
    res.on('error', () => (ended ??= 'cut'));
  });
  req.on('error', () => (ended ??= 'cut'));
  req.end();
  return { bytes: () => bytes, ended: () => ended };
}

/** One GET through the proxy: status and the deny body (or null). */
export function get(g: TestGate, url: string, auth: string): Promise<{ status: number; body: Record<string, unknown> | null }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: '127.0.0.1', port: g.port, path: url, agent: false, headers: { host: u.host, 'proxy-authorization': auth } });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: res.statusCode === 200 ? null : (JSON.parse(text) as Record<string, unknown>) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The `Proxy-Authorization` value for a token. */
export const basic = (token: string): string => `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`;
