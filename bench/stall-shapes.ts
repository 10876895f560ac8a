/**
 * The hostile side of the stall benchmark (bench/stall.ts): the upstream role (probe
 * target, upload sink, the hostile SSE answer, a WebSocket echo) and the hostile client
 * role, which runs one shape again and again until told to stop. Both run in processes
 * of their own, started by stall.ts with `--role`.
 *
 * @example
 * node dist/bench/stall.js --role upstream
 * node dist/bench/stall.js --role hostile --shape bip39 --gate 8080 --auth 'Basic ...' --upstream 9000
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import WebSocket, { WebSocketServer } from 'ws';

export const HOST = 'stall.bench';
const MIB = 1024 * 1024;
export const SHAPE_TIMEOUT_MS = 60_000;

export const SHAPES = ['bip39', 'json-4mib', 'one-byte-chunks', 'sse-no-newline', 'ws-1mib-text', 'deflate-trailing'] as const;
export type Shape = (typeof SHAPES)[number];
export const LABELS: Record<Shape, string> = {
  bip39: '4 MiB text/plain of BIP-39 words',
  'json-4mib': '4 MiB JSON upload (not JSON-RPC)',
  'one-byte-chunks': '600,000 one-byte chunks',
  'sse-no-newline': 'SSE event 1 MiB, no newline, 256 B writes',
  'ws-1mib-text': '1 MiB WebSocket text message (echoed)',
  'deflate-trailing': 'deflate body + trailing bytes',
};

// ---- role: upstream (probe target, upload sink, hostile SSE, WebSocket echo) ----

export function upstream(): void {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      if (req.url === '/sse') return void hostileSse(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ received: n }));
    });
  });
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * MIB });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.listen(0, '127.0.0.1', () => console.log(`stall upstream listening on 127.0.0.1:${(server.address() as AddressInfo).port}`));
}

/** One event of 1 MiB with no newline, 256 bytes per write (one turn each, so they arrive apart). */
function hostileSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write('data: ');
  const piece = Buffer.alloc(256, 0x61);
  let sent = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (sent >= MIB) return void res.end('\n\n');
    sent += piece.length;
    if (res.write(piece)) setImmediate(next);
    else res.once('drain', next);
  };
  next();
}

// ---- role: hostile client (one shape, then exit) ----

/**
 * Run the shape again and again until the parent writes `stop` on stdin (or closes it),
 * then print one line: the outcomes (decision ids left out, so alike runs count
 * together), the median ms of a run, and the number of runs.
 */
export async function hostile(shape: Shape, gatePort: number, auth: string, upPort: number): Promise<void> {
  let stop = false;
  process.stdin.on('data', (d: Buffer) => (stop ||= d.toString().includes('stop')));
  process.stdin.on('end', () => (stop = true));
  const outcomes = new Map<string, number>();
  const times: number[] = [];
  do {
    const started = performance.now();
    let outcome: string;
    try {
      outcome = await runShape(shape, gatePort, auth, upPort);
    } catch (err) {
      outcome = `error: ${(err as Error).message}`;
    }
    times.push(performance.now() - started);
    const key = outcome.replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '').replace(/\s+/g, ' ');
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  } while (!stop);
  times.sort((a, b) => a - b);
  const outcome = [...outcomes].map(([o, n]) => (outcomes.size === 1 && n === times.length ? o : `${n}x ${o}`)).join('; ');
  console.log(JSON.stringify({ outcome, ms: Math.round(times[Math.floor(times.length / 2)]!), runs: times.length }));
  process.exit(0);
}

/** What a shape sends, built once per process (a run sends exactly this each time). */
const bodies = new Map<Shape, Buffer>();
function bodyOf(shape: Shape, build: () => Buffer): Buffer {
  let b = bodies.get(shape);
  if (b === undefined) bodies.set(shape, (b = build()));
  return b;
}

function runShape(shape: Shape, gatePort: number, auth: string, upPort: number): Promise<string> {
  const target = `http://${HOST}:${upPort}`;
  switch (shape) {
    case 'bip39': {
      const body = bodyOf(shape, () => {
        const words: string[] = [];
        let len = 0;
        for (let i = 0; len < 4 * MIB; i++) {
          const w = wordlist[(i * 7919 + 13) % wordlist.length]!;
          words.push(w);
          len += w.length + 1;
        }
        return Buffer.from(words.join(' ').slice(0, 4 * MIB));
      });
      return post(gatePort, auth, `${target}/upload`, { 'content-type': 'text/plain' }, body);
    }
    case 'json-4mib': {
      // An ordinary JSON document just under mcp.max_message_bytes: read ahead by the MCP intake (it could be JSON-RPC).
      const body = bodyOf(shape, () => {
        const items: string[] = [];
        let len = 2;
        for (let i = 0; len < 4 * MIB - 256; i++) {
          const item = JSON.stringify({ id: i, name: `record ${i}`, tags: ['alpha', 'beta'], ok: i % 2 === 0, score: i * 0.25 });
          items.push(item);
          len += item.length + 1;
        }
        return Buffer.from(`[${items.join(',')}]`);
      });
      return post(gatePort, auth, `${target}/upload`, { 'content-type': 'application/json' }, body);
    }
    case 'one-byte-chunks':
      return rawChunked(gatePort, auth, `${target}/upload`, 600_000);
    case 'sse-no-newline':
      return get(gatePort, auth, `${target}/sse`);
    case 'ws-1mib-text':
      return wsText(gatePort, auth, `ws://${HOST}:${upPort}/echo`, 'x '.repeat(MIB / 2));
    case 'deflate-trailing': {
      const body = bodyOf(shape, () =>
        Buffer.concat([deflateSync(Buffer.from('hello from a compressed body\n'.repeat(2000))), Buffer.from('trailing garbage after the stream')]),
      );
      return post(gatePort, auth, `${target}/upload`, { 'content-type': 'text/plain', 'content-encoding': 'deflate' }, body);
    }
  }
}

function answer(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let n = 0;
    res.on('data', (c: Buffer) => (n += c.length));
    res.on('end', () => resolve(`HTTP ${res.statusCode} ${String(res.headers['x-sluice-decision'] ?? '')} ${n} bytes`.replace(/\s+/g, ' ')));
    res.on('error', (e) => resolve(`HTTP ${res.statusCode} cut (${e.message})`));
    res.on('aborted', () => resolve(`HTTP ${res.statusCode} cut`));
  });
}

function post(gatePort: number, auth: string, url: string, headers: Record<string, string>, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: gatePort,
      method: 'POST',
      path: url,
      headers: { ...headers, 'proxy-authorization': auth, 'content-length': body.length },
      timeout: SHAPE_TIMEOUT_MS,
    });
    req.on('response', (res) => void answer(res).then(resolve));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

function get(gatePort: number, auth: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: gatePort, path: url, headers: { 'proxy-authorization': auth }, timeout: SHAPE_TIMEOUT_MS });
    req.on('response', (res) => void answer(res).then(resolve));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A chunked upload written as `n` one-byte chunks (raw, so each is its own chunk on the wire). */
function rawChunked(gatePort: number, auth: string, url: string, n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(gatePort, '127.0.0.1');
    const head = `POST ${url} HTTP/1.1\r\nHost: ${new URL(url).host}\r\nProxy-Authorization: ${auth}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const batch = Buffer.from('1\r\na\r\n'.repeat(10_000));
    let sent = 0;
    const pump = (): void => {
      while (sent < n) {
        sent += 10_000;
        if (!sock.write(batch)) return void sock.once('drain', pump);
      }
      sock.write('0\r\n\r\n');
    };
    let reply = '';
    sock.on('data', (c: Buffer) => (reply += c.toString('latin1')));
    sock.on('close', () => resolve(reply.split('\r\n')[0] || 'closed without an answer'));
    sock.on('error', reject);
    sock.setTimeout(SHAPE_TIMEOUT_MS, () => sock.destroy(new Error('timed out')));
    sock.write(head);
    pump();
  });
}

function wsText(gatePort: number, auth: string, url: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: 64 * MIB,
      createConnection: () => connect({ port: gatePort, host: '127.0.0.1' }),
      finishRequest: (req) => {
        req.path = url.replace('ws://', 'http://');
        req.setHeader('proxy-authorization', auth);
        req.end();
      },
    });
    const timer = setTimeout(() => ws.terminate(), SHAPE_TIMEOUT_MS);
    ws.on('open', () => ws.send(text));
    ws.on('message', (m: Buffer) => {
      clearTimeout(timer);
      ws.close();
      resolve(`echoed ${m.length} bytes`);
    });
    ws.on('close', (code) => resolve(`closed ${code}`));
    ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.on('error', reject);
  });
}
