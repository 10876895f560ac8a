/**
 * The floor of a forward proxy written on Node, as a contender: forwarding only (no
 * identity, no policy, no inspection, no audit), each absolute-form request sent to its
 * upstream through an undici Pool (as Sluice sends it) and the response streamed back.
 * What it costs a request is what any proxy built on these pieces pays before it does
 * anything of its own, so Sluice's figure minus this one is Sluice's own work, and this
 * one against Squid says how far Node's stack alone is from it. Three variants say what
 * a lean HTTP/1.1 path to the agent could save:
 *
 * - `http` (default): Node's `http` server, as Sluice has it.
 * - `raw-head`: the request head parsed by hand on the raw socket, but Node's
 *   `IncomingMessage` and `ServerResponse` built for it (what a new parser feeding the
 *   existing request path would pay).
 * - `raw`: the head parsed by hand and the response head written by hand, one write per
 *   response: no `IncomingMessage`, no `ServerResponse`.
 *
 * The hand parser here is a measuring device, not a proxy's parser: GET-like requests
 * without a body only (anything else is answered 501), no limits, no hostile-input
 * checks. Prints "node floor listening on PORT". Not a proxy to use: it forwards
 * anything anywhere.
 *
 * @example
 * node dist/bench/compare/node-floor.js --port 8000 --variant raw
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { Pool, type Dispatcher } from 'undici';

const { values } = parseArgs({ options: { port: { type: 'string' }, variant: { type: 'string', default: 'http' } }, strict: true });
if (values.port === undefined) throw new Error('usage: node-floor --port N [--variant http|raw-head|raw]');
const variant = values.variant;
if (variant !== 'http' && variant !== 'raw-head' && variant !== 'raw') throw new Error(`--variant: http, raw-head or raw, not ${variant}`);

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const pools = new Map<string, Pool>();
const poolFor = (origin: string): Pool => {
  let p = pools.get(origin);
  if (p === undefined) pools.set(origin, (p = new Pool(origin, { connections: 128, pipelining: 1 })));
  return p;
};

/** Where an upstream response goes: its head (hop-by-hop fields dropped), then its body. */
interface Sink {
  head(status: number, fields: string[]): void;
  data(chunk: Buffer): boolean;
  end(): void;
  fail(): void;
  onDrain(resume: () => void): void;
}

function forward(method: string, target: string, headers: Record<string, string | string[]>, body: IncomingMessage | null, sink: Sink): void {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return sink.fail();
  }
  // The handler API Sluice's forward.ts uses (undici's controller and parsed headers).
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart: () => undefined,
    onResponseError: () => sink.fail(),
    onResponseStart: (controller, status, headers) => {
      const out: string[] = [];
      for (const [name, value] of Object.entries(headers)) {
        if (value === undefined || HOP.has(name)) continue;
        for (const v of Array.isArray(value) ? value : [value]) out.push(name, v);
      }
      sink.head(status, out);
      sink.onDrain(() => controller.resume());
    },
    onResponseData: (controller, chunk) => {
      if (!sink.data(chunk)) controller.pause();
    },
    onResponseEnd: () => sink.end(),
  };
  poolFor(url.origin).dispatch({ method, path: url.pathname + url.search, headers, body }, handler);
}

/** A sink over Node's ServerResponse. */
function responseSink(res: ServerResponse): Sink {
  return {
    head: (status, fields) => void res.writeHead(status, fields),
    data: (chunk) => res.write(chunk),
    end: () => void res.end(),
    fail: () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    },
    onDrain: (resume) => void res.on('drain', resume),
  };
}

function viaHttp(): void {
  const server = createServer({ noDelay: true }, (req, res) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    forward(req.method ?? 'GET', req.url ?? '', headers, hasBody ? req : null, responseSink(res));
  });
  server.listen(Number(values.port), '127.0.0.1', listening);
}

/** One request head read by hand: method, target, fields as [name, value, ...]. */
interface Head {
  method: string;
  target: string;
  raw: string[];
}

function parseHead(text: string): Head | null {
  const lines = text.split('\r\n');
  const [method, target, version] = lines[0]!.split(' ');
  if (method === undefined || target === undefined || version !== 'HTTP/1.1') return null;
  const raw: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    raw.push(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return { method, target, raw };
}

function viaRaw(): void {
  const server = createNetServer({ noDelay: true }, (socket: Socket) => {
    socket.on('error', () => undefined);
    let buffered = '';
    let busy = false;
    const next = (): void => {
      busy = false;
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0 || socket.destroyed) return;
      busy = true;
      const head = parseHead(buffered.slice(0, end));
      buffered = buffered.slice(end + 4);
      if (head === null || head.raw.some((_, i) => i % 2 === 0 && /^(content-length|transfer-encoding)$/i.test(head.raw[i]!))) {
        socket.end('HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        return;
      }
      if (variant === 'raw-head') return viaObjects(socket, head, next);
      const headers: Record<string, string> = {};
      for (let i = 0; i < head.raw.length; i += 2) if (!HOP.has(head.raw[i]!.toLowerCase())) headers[head.raw[i]!.toLowerCase()] = head.raw[i + 1]!;
      let out: Buffer[] = [];
      forward(head.method, head.target, headers, null, {
        head: (status, fields) => {
          let text = `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Status'}\r\n`;
          for (let i = 0; i < fields.length; i += 2) text += `${fields[i]}: ${fields[i + 1]}\r\n`;
          out.push(Buffer.from(`${text}\r\n`, 'latin1'));
        },
        data: (chunk) => (out.push(chunk), true),
        end: () => {
          // One write per response (the bench's bodies are small and have a length).
          socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
          out = [];
          next();
        },
        fail: () => void socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'),
        onDrain: () => undefined,
      });
    };
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      if (!busy) next();
    });
  });
  server.listen(Number(values.port), '127.0.0.1', listening);
}

/** Node's request and response objects built for a hand-parsed head, as its server builds them. */
function viaObjects(socket: Socket, head: Head, next: () => void): void {
  const req = new IncomingMessage(socket);
  req.method = head.method;
  req.url = head.target;
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.httpVersion = '1.1';
  req.rawHeaders = head.raw;
  (req as unknown as { _addHeaderLines(h: string[], n: number): void })._addHeaderLines(head.raw, head.raw.length);
  req.complete = true;
  req.push(null);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = true;
  res.assignSocket(socket);
  res.on('finish', () => {
    res.detachSocket(socket);
    next();
  });
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
  forward(head.method, head.target, headers, null, responseSink(res));
}

function listening(): void {
  process.stdout.write(`node floor listening on ${values.port}\n`);
}

if (variant === 'http') viaHttp();
else viaRaw();
process.once('SIGTERM', () => process.exit(0));
