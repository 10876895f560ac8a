/**
 * How the credential broker reaches a token endpoint: through the gate's own way
 * out, never a dial of its own. An `https://` endpoint is resolved once and every
 * address classified by the same resolver upstream requests use (SSRF: a token URL
 * naming a private or metadata address is refused like a request would be); a
 * `route:NAME/path` endpoint goes through the named route (the operator's explicit
 * opt-in to a private server, with its own CA and client certificate), under its base
 * path. Either way the connection comes from the gate's keep-alive pools, keyed by
 * the vetted address, and the config is the one serving when the call is made.
 *
 * @example
 * const transport = tokenTransport(() => gate.state(), pools, 10_000);
 * const { status, body } = await transport.post('route:idp/token', 'grant_type=...', headers, 65_536);
 */
import type { Dispatcher } from 'undici';
import type { TokenTransport } from '../credentials/broker/token-request.js';
import { normalizeHost } from '../net/host.js';
import type { UpstreamPools } from '../net/upstream-pools.js';
import type { GateState } from './gate-runtime.js';

interface Target {
  pool: Dispatcher;
  path: string;
  host: string;
}

export function tokenTransport(state: () => GateState, pools: UpstreamPools, timeoutMs: number): TokenTransport {
  return {
    async post(url, body, headers, maxBytes) {
      const t = await target(state(), pools, url);
      const res = await t.pool.request({
        method: 'POST',
        path: t.path,
        headers: { ...headers, host: t.host, 'content-length': String(Buffer.byteLength(body)) },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) {
          res.body.destroy();
          throw Object.assign(new Error(`answer longer than ${maxBytes} bytes`), { code: 'SLUICE_ANSWER_TOO_LARGE' });
        }
        chunks.push(chunk);
      }
      return { status: res.statusCode, body: Buffer.concat(chunks) };
    },
  };
}

async function target(state: GateState, pools: UpstreamPools, url: string): Promise<Target> {
  if (url.startsWith('route:')) {
    const rest = url.slice('route:'.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const route = state.routes.get(name);
    if (!route) throw Object.assign(new Error(`no route named '${name}'`), { code: 'SLUICE_NO_ROUTE' });
    const vetted = await state.routeResolver.resolve(route.host, route.port);
    const pool = pools.get(route.scheme, vetted.address, vetted.family, route.port, route.servername, { name: route.name, secureContext: route.secureContext });
    return { pool, path: route.basePath + (slash < 0 ? '/' : rest.slice(slash)), host: route.hostHeader };
  }
  // endpointField admits only https URLs without userinfo here.
  const u = new URL(url);
  const host = normalizeHost(u.hostname);
  const port = u.port === '' ? 443 : Number(u.port);
  const vetted = await state.resolver.resolve(host, port);
  const pool = pools.get('https', vetted.address, vetted.family, port, host.kind === 'name' ? host.name : null);
  return { pool, path: `${u.pathname}${u.search}`, host: u.host };
}
