import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Config } from '../config/schema.js';
import { ErrorCode, SluiceError } from '../errors.js';
import { normalizeHost, type Host } from './host.js';

/** A named private route, ready to dial: parsed target, TLS material loaded once. */
export interface RouteRuntime {
  readonly name: string;
  readonly scheme: 'http' | 'https';
  readonly host: Host;
  readonly port: number;
  /** Prefixed to the request's path ('' or '/base'). */
  readonly basePath: string;
  /** Host header to send: the route's `host`, else the route URL's authority. */
  readonly hostHeader: string;
  /** TLS name for SNI and the certificate check; null for an IP target without `host`. */
  readonly servername: string | null;
  /** The route's own trust (its `ca`, else the gate's upstream trust) and client cert. */
  readonly secureContext: SecureContext;
}

/**
 * Load every route's CA and client certificate up front, so a bad file is a load
 * error (the old policy keeps serving), never a failed request.
 */
export async function buildRoutes(routes: Config['routes'], upstreamTrust: readonly string[]): Promise<Map<string, RouteRuntime>> {
  const out = new Map<string, RouteRuntime>();
  for (const [name, r] of Object.entries(routes)) {
    const read = async (what: string, path: string | undefined): Promise<string | undefined> => {
      if (path === undefined) return undefined;
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        throw new SluiceError(ErrorCode.CONFIG_INVALID, `routes.${name}.${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    };
    const [ca, cert, key] = await Promise.all([read('ca', r.ca), read('cert', r.cert), read('key', r.key)]);
    let secureContext: SecureContext;
    try {
      secureContext = createSecureContext({ ca: ca ?? [...upstreamTrust], ...(cert && key ? { cert, key } : {}) });
    } catch (err) {
      throw new SluiceError(ErrorCode.CONFIG_INVALID, `routes.${name}: unusable TLS material (${(err as Error).message})`);
    }
    const host = normalizeHost(r.url.host);
    const defaultPort = r.url.scheme === 'https' ? 443 : 80;
    // An IP target is named by its canonical text (a mapped IPv6 URL host is its IPv4 address).
    const hostText = host.kind === 'ip' ? (host.ip.family === 6 ? `[${host.text}]` : host.text) : r.url.host;
    const urlAuthority = `${hostText}${r.url.port === defaultPort ? '' : `:${r.url.port}`}`;
    const hostHeader = r.host ?? urlAuthority;
    const headerName = hostHeader.replace(/:\d+$/, '');
    const servername = isName(headerName) ? headerName : host.kind === 'name' ? host.name : null;
    out.set(name, { name, scheme: r.url.scheme, host, port: r.url.port, basePath: r.url.base_path, hostHeader, servername, secureContext });
  }
  return out;
}

function isName(h: string): boolean {
  return !h.startsWith('[') && !/^[\d.]+$/.test(h) && !h.includes(':');
}
