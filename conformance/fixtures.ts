/**
 * The upstreams every case is routed to: one plain HTTP and one HTTPS server (with
 * its own CA, trusted by the gate for that route only) on loopback. Each answers by
 * the `x-bench-case` header the runner sends: a `response_content` case gets its
 * `payload.response_body`, anything else a small benign 200. Every answer carries
 * `x-bench-fixture`, so the runner can tell a response that reached the fixture from
 * one the gate made up, and every request is counted per case, so a block can also
 * say whether anything reached the upstream.
 *
 * MCP cases (`mcp_http`) are answered by the MCP fixture (`fixtures-mcp.ts`: a
 * Streamable HTTP server scripted by the case) and A2A cases by the A2A fixture agent
 * (`fixtures-a2a.ts`), on the same two servers, chosen by the same header.
 *
 * Both servers also accept WebSocket upgrades (a `ws` server on each, no extensions)
 * and echo every message as it came, text or binary: the gate's catch-all routes send
 * `ws://` upgrades to the plain fixture and `wss://` ones (intercepted) to the TLS one.
 * The upgrade is counted as an arrival for its case, and each message that reached the
 * fixture is kept, so a block can say whether the blocked message got through.
 */
import { writeFile } from 'node:fs/promises';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { createCa, loadCa } from '../src/tls/ca.js';
import { LeafMinter } from '../src/tls/leaf-minter.js';
import type { BenchCase } from './case.js';
import { answerA2aHttp, isA2aCase } from './fixtures-a2a.js';
import { answerMcpHttp, isMcpCase } from './fixtures-mcp.js';

export const CASE_HEADER = 'x-bench-case';
export const FIXTURE_HEADER = 'x-bench-fixture';
export const FIXTURE_MARK = 'sluice-conformance';

/** What a fixture saw for one case. */
export interface Arrival {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** One WebSocket message a fixture received (and echoed). */
export interface WsArrival {
  binary: boolean;
  bytes: number;
}

export interface Fixtures {
  httpPort: number;
  httpsPort: number;
  /** PEM file of the HTTPS fixture's own CA (for the gate's route `ca:`). */
  caFile: string;
  /** Cases the fixtures answer for, by id. */
  register(cases: readonly BenchCase[]): void;
  /** Requests (WebSocket upgrades included) that reached a fixture for this case id. */
  arrivals(caseId: string): Arrival[];
  /** WebSocket messages that reached a fixture for this case id, in order. */
  wsMessages(caseId: string): WsArrival[];
  close(): Promise<void>;
}

/** Start both fixtures on 127.0.0.1 (ports chosen by the OS). Files go in `dir`. */
export async function startFixtures(dir: string): Promise<Fixtures> {
  const cases = new Map<string, BenchCase>();
  const seen = new Map<string, Arrival[]>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = headerText(req.headers[CASE_HEADER]);
      const list = seen.get(id) ?? [];
      const body = Buffer.concat(chunks);
      list.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      seen.set(id, list);
      const c = cases.get(id);
      const mark = { [FIXTURE_HEADER]: FIXTURE_MARK };
      if (c !== undefined && isMcpCase(c)) answerMcpHttp(c, req, body, res, mark);
      else if (c !== undefined && isA2aCase(c)) answerA2aHttp(c, req, body, res, mark);
      else answer(c, res);
    });
  };

  const material = await createCa({ commonName: 'Sluice Conformance Fixture CA' });
  const caFile = join(dir, 'fixture-ca.pem');
  const keyFile = join(dir, 'fixture-ca-key.pem');
  await writeFile(caFile, material.certPem);
  await writeFile(keyFile, material.keyPem, { mode: 0o600 });
  const minter = new LeafMinter(await loadCa(caFile, keyFile));
  const leaf = minter.mint('127.0.0.1');

  const http = createHttp(handler);
  const https = createHttps({ key: minter.keyPem, cert: leaf.chainPem }, handler);

  const messages = new Map<string, WsArrival[]>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    const id = headerText(req.headers[CASE_HEADER]);
    const list = seen.get(id) ?? [];
    list.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.alloc(0) });
    seen.set(id, list);
    socket.on('error', () => undefined);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      ws.on('message', (data: Buffer, isBinary) => {
        const got = messages.get(id) ?? [];
        got.push({ binary: isBinary, bytes: data.length });
        messages.set(id, got);
        ws.send(data, { binary: isBinary });
      });
    });
  };
  http.on('upgrade', onUpgrade);
  https.on('upgrade', onUpgrade);
  const httpPort = await listen(http);
  const httpsPort = await listen(https);
  return {
    httpPort,
    httpsPort,
    caFile,
    register: (list) => {
      for (const c of list) cases.set(c.id, c);
    },
    arrivals: (id) => seen.get(id) ?? [],
    wsMessages: (id) => messages.get(id) ?? [],
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await Promise.all([close(http), close(https)]);
    },
  };
}

function answer(c: BenchCase | undefined, res: ServerResponse): void {
  if (c === undefined) {
    const body = 'unknown benchmark case\n';
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), [FIXTURE_HEADER]: FIXTURE_MARK });
    res.end(body);
    return;
  }
  if (c.input_type === 'response_content' && typeof c.payload.response_body === 'string') {
    const body = c.payload.response_body;
    res.writeHead(200, {
      'content-type': responseContentType(c.payload, body),
      'content-length': Buffer.byteLength(body),
      [FIXTURE_HEADER]: FIXTURE_MARK,
    });
    res.end(body);
    return;
  }
  const body = `ok ${c.id}\n`;
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), [FIXTURE_HEADER]: FIXTURE_MARK });
  res.end(body);
}

/**
 * The content type a response case implies: one named in the payload if any, else
 * XML, HTML, JSON or plain text by looking at the body.
 *
 * @example
 * responseContentType({}, '<p>hi</p>') // 'text/html; charset=utf-8'
 */
export function responseContentType(payload: Record<string, unknown>, body: string): string {
  const named = payloadContentType(payload);
  if (named !== undefined) return named;
  const head = body.trimStart();
  if (/^<\?xml\b/i.test(head)) return 'application/xml; charset=utf-8';
  if (/^<!doctype html/i.test(head) || /<!--|<\/?(?:html|head|body|div|span|p|a|h[1-6]|pre|code|iframe|script|style|ul|ol|li|table|br|img)\b/i.test(body)) {
    return 'text/html; charset=utf-8';
  }
  try {
    JSON.parse(body);
    return 'application/json';
  } catch {
    return 'text/plain; charset=utf-8';
  }
}

function payloadContentType(p: Record<string, unknown>): string | undefined {
  for (const k of ['response_content_type', 'content_type']) {
    const v = p[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  const h = p.response_headers;
  if (typeof h === 'object' && h !== null) {
    for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === 'content-type' && typeof v === 'string') return v;
  }
  return undefined;
}

function headerText(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
