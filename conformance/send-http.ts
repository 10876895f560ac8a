/**
 * Send one HTTP-shaped case (url, header, request_body, response_content) through the
 * gate as an agent would, and report what came back.
 *
 * The normal path is undici's ProxyAgent with `http://sluice:<token>@gate`: absolute
 * form for http:// URLs, CONNECT plus TLS (trusting the gate's CA) for https://, so
 * interception is real. When the WHATWG URL parser would change the URL (odd IP
 * spellings such as `0177.0.0.1` or `0x7f000001`, IPv4-mapped IPv6, upper-case
 * hosts), or undici refuses the case's headers, the request goes over a socket by hand
 * (node:http with the exact request target; CONNECT written by hand for https) so the
 * gate sees exactly what the case says.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { ProxyAgent, request as undiciRequest } from 'undici';
import type { BenchCase } from './case.js';
import { CASE_HEADER } from './fixtures.js';

/** What the runner saw. `error` set means no verdict could be read. */
export interface Observation {
  client: 'undici' | 'raw';
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** The response head arrived, then the connection was cut before the body ended. */
  cut?: string;
  /** The request failed before any response (runner or transport failure). */
  error?: string;
}

export interface GateTarget {
  port: number;
  token: string;
  caPem: string;
}

export interface HttpCaseRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const MAX_BODY = 1024 * 1024;
const TIMEOUT_MS = 15_000;

/** The request a case describes, plus the header that tells the fixture which case it is. */
export function caseRequest(c: BenchCase): HttpCaseRequest {
  const p = c.payload;
  const url = p.url;
  if (typeof url !== 'string') throw new Error('payload.url is missing');
  const headers: Record<string, string> = {};
  if (typeof p.headers === 'object' && p.headers !== null) {
    for (const [k, v] of Object.entries(p.headers as Record<string, unknown>)) if (typeof v === 'string') headers[k] = v;
  }
  const body = typeof p.body === 'string' ? p.body : undefined;
  if (c.input_type !== 'response_content' && typeof p.content_type === 'string' && !hasHeader(headers, 'content-type')) {
    headers['content-type'] = p.content_type;
  }
  headers[CASE_HEADER] = c.id;
  const method = typeof p.method === 'string' ? p.method.toUpperCase() : body === undefined ? 'GET' : 'POST';
  return { method, url, headers, body };
}

/** Split `scheme://authority/rest` without normalising anything. */
export function splitUrl(url: string): { scheme: 'http' | 'https'; authority: string; host: string; target: string } {
  const m = /^(https?):\/\/([^/?#]*)([^#]*)/i.exec(url);
  if (!m) throw new Error(`not an http(s) URL: ${url}`);
  const scheme = m[1]!.toLowerCase() as 'http' | 'https';
  const authority = m[2]!;
  const host = authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.replace(/:\d*$/, '');
  const rest = m[3] ?? '';
  return { scheme, authority, host, target: rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest };
}

/** True when a WHATWG-based client (fetch, undici) would send this URL as written. */
export function expressibleByFetch(url: string): boolean {
  try {
    const u = new URL(url);
    return u.href === url || u.href === `${url}/`;
  } catch {
    return false;
  }
}

export async function sendHttpCase(gate: GateTarget, req: HttpCaseRequest): Promise<Observation> {
  if (expressibleByFetch(req.url)) {
    const obs = await viaUndici(gate, req);
    // undici refuses some headers and some CONNECT answers it cannot read past; the
    // hand-written client can still show the gate the request and read its answer.
    if (obs.error === undefined || !/UND_ERR_INVALID_ARG|UND_ERR_NOT_SUPPORTED|Proxy response \(\d+\)/.test(obs.error)) return obs;
  }
  return viaSocket(gate, req);
}

async function viaUndici(gate: GateTarget, req: HttpCaseRequest): Promise<Observation> {
  const agent = new ProxyAgent({
    uri: `http://sluice:${gate.token}@127.0.0.1:${gate.port}`,
    requestTls: { ca: gate.caPem },
    proxyTunnel: !req.url.toLowerCase().startsWith('http:'),
  });
  let status: number | undefined;
  let headers: Record<string, string> | undefined;
  try {
    const res = await undiciRequest(req.url, {
      dispatcher: agent,
      method: req.method as 'GET',
      headers: req.headers,
      body: req.body,
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
    status = res.statusCode;
    headers = flatHeaders(res.headers);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const c of res.body as AsyncIterable<Buffer>) {
        if (size < MAX_BODY) chunks.push(c);
        size += c.length;
      }
    } catch (err) {
      return { client: 'undici', status, headers, body: Buffer.concat(chunks).toString('utf8'), cut: describe(err) };
    }
    return { client: 'undici', status, headers, body: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    return { client: 'undici', error: describe(err) };
  } finally {
    await agent.close().catch(() => undefined);
  }
}

async function viaSocket(gate: GateTarget, req: HttpCaseRequest): Promise<Observation> {
  let parts: ReturnType<typeof splitUrl>;
  try {
    parts = splitUrl(req.url);
  } catch (err) {
    return { client: 'raw', error: describe(err) };
  }
  const auth = `Basic ${Buffer.from(`sluice:${gate.token}`).toString('base64')}`;
  const headers: Record<string, string> = { ...req.headers };
  if (!hasHeader(headers, 'host')) headers.host = parts.authority;
  if (parts.scheme === 'http') {
    headers['proxy-authorization'] = auth;
    return exchange({ host: '127.0.0.1', port: gate.port, method: req.method, path: req.url, headers, body: req.body });
  }
  const authority = /:\d+$/.test(parts.authority) ? parts.authority : `${parts.authority}:443`;
  let tunnel: Socket;
  try {
    const opened = await openConnect(gate, authority, auth);
    if (!('socket' in opened)) return opened;
    tunnel = opened.socket;
  } catch (err) {
    return { client: 'raw', error: describe(err) };
  }
  let tls: TLSSocket;
  try {
    tls = await startTls(tunnel, parts.host, gate.caPem);
  } catch (err) {
    tunnel.destroy();
    return { client: 'raw', error: describe(err) };
  }
  return exchange({ createConnection: () => tls, method: req.method, path: parts.target, headers, body: req.body });
}

/** CONNECT by hand: the socket on 200, else the gate's answer as an observation. */
export function openConnect(gate: GateTarget, authority: string, auth: string): Promise<{ socket: Socket } | Observation> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port: gate.port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('CONNECT timed out'));
    }, TIMEOUT_MS);
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      if (status === 200) {
        s.off('data', onData);
        clearTimeout(timer);
        if (end + 4 < buf.length) s.unshift(buf.subarray(end + 4));
        resolve({ socket: s });
        return;
      }
      // Refused at CONNECT: read the deny body to the end of the connection.
      s.off('data', onData);
      const rest: Buffer[] = [buf.subarray(end + 4)];
      s.on('data', (d: Buffer) => rest.push(d));
      s.once('close', () => {
        clearTimeout(timer);
        resolve({ client: 'raw', status, headers: parseHead(head), body: Buffer.concat(rest).toString('utf8') });
      });
    };
    s.on('data', onData);
    s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: ${auth}\r\n\r\n`);
  });
}

/**
 * TLS to the gate's interception endpoint. The chain must verify against the gate's
 * CA; the name check is done against the host as the gate normalises it (an IP
 * literal written as `0177.0.0.1` gets a leaf for 127.0.0.1), so it is skipped for
 * IP-looking hosts that are not canonical.
 */
export function startTls(socket: Socket, host: string, caPem: string): Promise<TLSSocket> {
  const bare = host.replace(/^\[|\]$/g, '');
  const canonicalIp = isIP(bare) !== 0;
  const looksIp = canonicalIp || /^[0-9a-fx.]+$/i.test(bare);
  return new Promise((resolve, reject) => {
    const t = tlsConnect({
      socket,
      ca: caPem,
      ALPNProtocols: ['http/1.1'],
      ...(looksIp ? {} : { servername: bare }),
      ...(looksIp && !canonicalIp ? { checkServerIdentity: () => undefined } : {}),
      ...(canonicalIp ? { host: bare } : {}),
    });
    t.once('secureConnect', () => resolve(t));
    t.once('error', reject);
  });
}

function exchange(opts: {
  host?: string;
  port?: number;
  createConnection?: () => Socket;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}): Promise<Observation> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Observation): void => {
      if (settled) return;
      settled = true;
      resolve(o);
    };
    const headers = { ...opts.headers, connection: 'close' };
    if (opts.body !== undefined) (headers as Record<string, string>)['content-length'] = String(Buffer.byteLength(opts.body));
    let req;
    try {
      req = httpRequest({
        host: opts.host,
        port: opts.port,
        method: opts.method,
        path: opts.path,
        headers,
        setHost: false,
        timeout: TIMEOUT_MS,
        ...(opts.createConnection ? { createConnection: opts.createConnection } : {}),
      });
    } catch (err) {
      done({ client: 'raw', error: describe(err) });
      return;
    }
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => done({ client: 'raw', error: describe(err) }));
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const base = { client: 'raw' as const, status: res.statusCode ?? 0, headers: flatHeaders(res.headers) };
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => done({ ...base, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('aborted', () => done({ ...base, body: Buffer.concat(chunks).toString('utf8'), cut: 'response aborted' }));
      res.on('error', (err) => done({ ...base, body: Buffer.concat(chunks).toString('utf8'), cut: describe(err) }));
      res.on('close', () => {
        if (!res.complete) done({ ...base, body: Buffer.concat(chunks).toString('utf8'), cut: 'connection closed before the body ended' });
      });
    });
    req.end(opts.body);
  });
}

function hasHeader(h: Record<string, string>, name: string): boolean {
  return Object.keys(h).some((k) => k.toLowerCase() === name);
}

function flatHeaders(h: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export function parseHead(head: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of head.split('\r\n').slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) out[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return out;
}

export function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: unknown }).cause;
    const inner = cause instanceof Error ? ` (cause: ${cause.message})` : '';
    return `${typeof code === 'string' ? `${code}: ` : ''}${err.message}${inner}`;
  }
  return String(err);
}
