import { normalizeHost } from '../net/host.js';
import { Rejection } from './errors-map.js';
import type { RequestContext } from './request-context.js';

const DEFAULT_PORT = { http: 80, https: 443 } as const;

/**
 * Work out where a request is going. Plain proxy requests must be absolute-form
 * (`GET http://host/path`); requests inside an intercepted tunnel are origin-form and
 * must address the tunnel's own authority (a different Host would be domain fronting).
 */
export function classifyTarget(ctx: RequestContext): void {
  const url = ctx.req.url ?? '';
  if (ctx.tunnel) {
    const t = ctx.tunnel;
    ctx.scheme = 'https';
    ctx.host = t.host;
    ctx.hostText = t.hostText;
    ctx.port = t.port;
    if (url.startsWith('/')) ctx.target = url;
    else if (url === '*' && ctx.req.method === 'OPTIONS') ctx.target = '*';
    else if (/^https?:\/\//i.test(url)) {
      const abs = parseAbsolute(url);
      if (abs.hostText !== t.hostText || abs.port !== t.port) {
        throw new Rejection('host_mismatch', `request target ${abs.hostText}:${abs.port} does not match the tunnel to ${t.hostText}:${t.port}`);
      }
      ctx.target = abs.target;
    } else throw new Rejection('bad_request', 'expected an origin-form request target starting with "/"');
    checkHostHeader(ctx, t.hostText, t.port, 'https');
    return;
  }
  if (url.startsWith('/')) {
    throw new Rejection(
      'bad_request',
      'this is a forward proxy: send absolute-form requests (GET http://host/path) or CONNECT host:port; set HTTP_PROXY to this address',
    );
  }
  const abs = parseAbsolute(url);
  ctx.scheme = abs.scheme;
  ctx.host = abs.host;
  ctx.hostText = abs.hostText;
  ctx.port = abs.port;
  ctx.target = abs.target;
}

function parseAbsolute(raw: string): {
  scheme: 'http' | 'https';
  host: ReturnType<typeof normalizeHost>;
  hostText: string;
  port: number;
  target: string;
} {
  const m = /^(https?):\/\/([^/?#]*)([^#]*)/i.exec(raw);
  if (!m) throw new Rejection('bad_request', 'unsupported request target: only http:// and https:// absolute URLs are proxied');
  const scheme = m[1]!.toLowerCase() as 'http' | 'https';
  const authority = m[2]!;
  if (authority.includes('@')) {
    throw new Rejection('bad_request', 'credentials in the request URL are not allowed; the gate injects credentials');
  }
  const { hostPart, port } = splitAuthority(authority, DEFAULT_PORT[scheme]);
  const host = normalizeHost(hostPart);
  const rest = m[3] ?? '';
  const target = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
  return { scheme, host, hostText: host.kind === 'ip' ? host.text : host.name, port, target };
}

/**
 * Split `host[:port]` / `[v6][:port]`. The port must be all digits in 1..65535:
 * `host:abc` or `host:99999` is a client error, not a default.
 */
export function splitAuthority(authority: string, defaultPort: number | null): { hostPart: string; port: number } {
  let hostPart: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) throw new Rejection('bad_host', `unterminated IPv6 literal in "${authority}"`);
    hostPart = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw new Rejection('bad_host', `unexpected text after IPv6 literal in "${authority}"`);
      portText = after.slice(1);
    }
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon !== -1 && authority.indexOf(':') !== colon) {
      throw new Rejection('bad_host', `IPv6 literals must be in brackets: "${authority}"`);
    }
    hostPart = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? undefined : authority.slice(colon + 1);
  }
  if (hostPart === '') throw new Rejection('bad_host', 'empty host');
  if (portText === undefined || portText === '') {
    if (defaultPort === null) throw new Rejection('bad_request', `missing port in "${authority}": expected HOST:PORT`);
    return { hostPart, port: defaultPort };
  }
  if (!/^\d{1,5}$/.test(portText)) throw new Rejection('bad_request', `invalid port "${portText}": expected a number from 1 to 65535`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new Rejection('bad_request', `invalid port ${port}: expected a number from 1 to 65535`);
  return { hostPart, port };
}

function checkHostHeader(ctx: RequestContext, hostText: string, port: number, scheme: 'http' | 'https'): void {
  const h = ctx.req.headers.host;
  if (h === undefined) return;
  const { hostPart, port: hp } = splitAuthority(h, DEFAULT_PORT[scheme]);
  const n = normalizeHost(hostPart);
  const text = n.kind === 'ip' ? n.text : n.name;
  if (text !== hostText || hp !== port) {
    throw new Rejection('host_mismatch', `Host header "${h}" does not match the tunnel to ${hostText}:${port}`);
  }
}
