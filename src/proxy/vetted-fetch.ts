/**
 * The gate's own outbound calls for a credential (a token endpoint, STS): through the
 * gate's own way out, never a dial of its own. An `https://` (or `http://`) endpoint is
 * resolved once and every address classified by the same resolver agent requests use
 * (SSRF: an endpoint on a private or metadata address is refused, as a request would
 * be, unless `network.allow_private` admits it); a `route:NAME/path` endpoint goes
 * through the named route (the operator's explicit opt-in to a private server, with its
 * own CA and client certificate), under its base path. The connection comes from the
 * gate's keep-alive pools, keyed by the vetted address; the answer is bounded and the
 * call timed out.
 *
 * @example
 * const fetch = vettedFetch(x.state, x.gate.pools);
 * const res = await fetch('https://sts.us-east-1.amazonaws.com/', { method: 'POST', headers, body });
 * const transport = tokenTransport(() => gate.state(), pools, 10_000); // the broker's
 */
import type { Dispatcher } from 'undici';
import type { TokenTransport } from '../credentials/broker/token-request.js';
import type { BrokerFetch } from '../credentials/forms/form.js';
import { normalizeHost } from '../net/host.js';
import type { UpstreamPools } from '../net/upstream-pools.js';
import type { GateState } from './gate-runtime.js';

/** An endpoint's answer is a small document; anything longer is not one. */
const MAX_ANSWER_BYTES = 256 * 1024;
const TIMEOUT_MS = 10_000;

interface Call {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  maxBytes: number;
  timeoutMs: number;
}

/** One bounded exchange with `url` through the vetted dial; rejects on a network failure, the timeout or a longer answer. */
async function vettedCall(state: GateState, pools: UpstreamPools, url: string, call: Call): Promise<{ status: number; body: Buffer }> {
  const t = await target(state, pools, url);
  const headers: Record<string, string> = { ...call.headers, host: t.host };
  if (call.body !== undefined) headers['content-length'] = String(Buffer.byteLength(call.body));
  const res = await t.pool.request({ method: call.method, path: t.path, headers, body: call.body ?? null, signal: AbortSignal.timeout(call.timeoutMs) });
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > call.maxBytes) {
      res.body.destroy();
      throw Object.assign(new RangeError(`the answer from ${t.host} is longer than ${call.maxBytes} bytes`), { code: 'SLUICE_ANSWER_TOO_LARGE' });
    }
    parts.push(chunk);
  }
  return { status: res.statusCode, body: Buffer.concat(parts) };
}

const fetches = new WeakMap<GateState, BrokerFetch>();

/** The credential forms' `fetch` (forms/form.ts) for the config of the moment: one per config load, not per request. */
export function vettedFetch(state: GateState, pools: UpstreamPools): BrokerFetch {
  let f = fetches.get(state);
  if (f === undefined) {
    f = async (url, init) => {
      const res = await vettedCall(state, pools, url, { ...init, maxBytes: MAX_ANSWER_BYTES, timeoutMs: TIMEOUT_MS });
      return { status: res.status, body: res.body.toString('utf8') };
    };
    fetches.set(state, f);
  }
  return f;
}

/** The credential broker's way to its token endpoints: POST a form, with the config serving when the call is made. */
export function tokenTransport(state: () => GateState, pools: UpstreamPools, timeoutMs: number): TokenTransport {
  return {
    post: (url, body, headers, maxBytes) => vettedCall(state(), pools, url, { method: 'POST', headers, body, maxBytes, timeoutMs }),
  };
}

interface Target {
  pool: Dispatcher;
  path: string;
  host: string;
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
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new TypeError(`not an http(s) URL: ${u.protocol}`);
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const host = normalizeHost(u.hostname);
  const port = u.port === '' ? (scheme === 'https' ? 443 : 80) : Number(u.port);
  const vetted = await state.resolver.resolve(host, port);
  const pool = pools.get(scheme, vetted.address, vetted.family, port, host.kind === 'name' ? host.name : null);
  return { pool, path: `${u.pathname}${u.search}`, host: u.host };
}
