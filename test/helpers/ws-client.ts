import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import type { TestGate } from './gate.js';
import { bounded, interceptedTunnel, WAIT_MS } from './tunnel.js';

/** A `ws` client through the gate, with its messages queued and its close awaited. */
export interface GateWs {
  ws: WebSocket;
  /** The next message (text as string, binary as Buffer); rejects, with the close code and reason, once the connection has closed. */
  next(): Promise<string | Buffer>;
  /** Resolves with the close code and reason once the connection is closed. */
  closed: Promise<{ code: number; reason: string }>;
}

export interface RefusedUpgrade {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * Open `url` (ws:// or wss://) through the gate with a real `ws` client. ws:// goes as
 * an absolute-form GET to the proxy (the request target is rewritten in
 * `finishRequest`); wss:// opens a CONNECT tunnel first and speaks TLS to the gate's
 * interception leaf. `token: null` sends no proxy credentials. Resolves with the open
 * socket, or with the gate's refusal (status, headers, body) when it does not upgrade.
 */
export async function openThroughGate(
  g: TestGate,
  url: string,
  opts: { token?: string | null; perMessageDeflate?: boolean } = {},
): Promise<GateWs | RefusedUpgrade> {
  const u = new URL(url);
  const auth = opts.token === null ? null : `Basic ${Buffer.from(`sluice:${opts.token ?? g.token}`).toString('base64')}`;
  let ws: WebSocket;
  if (u.protocol === 'wss:') {
    const tls = await interceptedTunnel(g, u.hostname, Number(u.port || 443), auth);
    ws = new WebSocket(url, { createConnection: () => tls, perMessageDeflate: opts.perMessageDeflate ?? true });
  } else {
    const absolute = `http://${u.host}${u.pathname}${u.search}`;
    ws = new WebSocket(url, {
      perMessageDeflate: opts.perMessageDeflate ?? true,
      createConnection: () => connect({ port: g.port, host: '127.0.0.1' }),
      finishRequest: (req) => {
        req.path = absolute;
        if (auth) req.setHeader('proxy-authorization', auth);
        req.end();
      },
    });
  }
  const queue: Array<string | Buffer> = [];
  const waiters: Array<{ resolve: (m: string | Buffer) => void; reject: (err: Error) => void }> = [];
  /** Why no more messages can come (the connection closed), once it has. */
  let ended: Error | null = null;
  ws.on('message', (data: Buffer, isBinary) => {
    const m = isBinary ? data : data.toString('utf8');
    const w = waiters.shift();
    if (w) w.resolve(m);
    else queue.push(m);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => {
      // A message awaited on a closed connection never comes: say so, with the close, instead of waiting forever.
      ended = new Error(`the WebSocket closed (${code} ${reason.toString()}) before the awaited message came`);
      for (const w of waiters.splice(0)) w.reject(ended);
      resolve({ code, reason: reason.toString() });
    }),
  );
  return bounded(`the WebSocket to ${url} through the gate did not open`, (resolve, reject) => {
    ws.once('open', () =>
      resolve({
        ws,
        closed,
        next: () => {
          const m = queue.shift();
          if (m !== undefined) return Promise.resolve(m);
          if (ended) return Promise.reject(ended);
          return new Promise((resolve, reject) => {
            // Never forever: a relay that stalls fails the test with what it waited for.
            const timer = setTimeout(() => {
              const i = waiters.indexOf(w);
              if (i >= 0) waiters.splice(i, 1);
              reject(new Error(`no WebSocket message came within ${WAIT_MS / 1000} s (the connection is still open)`));
            }, WAIT_MS).unref();
            const w = {
              resolve: (m: string | Buffer) => {
                clearTimeout(timer);
                resolve(m);
              },
              reject: (err: Error) => {
                clearTimeout(timer);
                reject(err);
              },
            };
            waiters.push(w);
          });
        },
      }),
    );
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    ws.once('error', reject);
  });
}

export function isOpen(r: GateWs | RefusedUpgrade): r is GateWs {
  return 'ws' in r;
}
