/**
 * The five scenarios: which contenders each starts, with what mode, how one measured run
 * is driven, and the pre-flight check that proves a contender answers correctly before
 * any figure of it counts. The alternation (A B A B ...) and the figures live in
 * measure.ts; idle tunnels in idle.ts.
 */
import { fileURLToPath } from 'node:url';
import type { Children } from '../children.js';
import {
  direct,
  mitmproxy,
  nodeFloor,
  proxyChain,
  SECRET_VALUE,
  sluice,
  sluiceWorkerCounts,
  sluiceBeforeClis,
  squid,
  tinyproxy,
  type Contender,
  type Mode,
  type StartContext,
} from './contenders.js';
import type { LoadResult } from './load-result.js';
import type { ScenarioName } from './report.js';
import { BODY_BYTES, BULK_BYTES } from './upstream.js';
import { wrkLoad } from './wrk-load.js';

const HTTPS_LOAD = fileURLToPath(new URL('./https-load.js', import.meta.url));

export interface Options {
  rounds: number;
  /** Contenders to run (`--only`, lower-case names); empty: all. Sluice always runs. */
  only: string[];
  seconds: number;
  /** Seconds of the one-connection latency probe. */
  probeSeconds: number;
  connections: number;
  handshakeConnections: number;
  threads: number;
  tunnels: number;
}

export interface Scenario {
  name: ScenarioName;
  title: string;
  settings: (o: Options) => string;
  /** Named thunks, started one after another (so free ports are taken one at a time). */
  start: (ctx: StartContext) => Starter[];
  /** One measured run (CPU is added by the caller). */
  run?: (kids: Children, ctx: StartContext, c: Contender, o: Options, seconds: number, connections: number) => Promise<Omit<LoadResult, 'cpu'>>;
  /** Also probe latency at one connection (keep-alive scenarios). */
  probe: boolean;
  preflight?: (kids: Children, ctx: StartContext, c: Contender) => Promise<string | undefined>;
}

/** A contender by name (for `--only`), and how to start it. */
export interface Starter {
  name: string;
  start: () => Promise<Contender>;
}

/** Sluice in `mode`, and each `--sluice-before` build in the same mode. */
function sluices(ctx: StartContext, mode: Mode): Starter[] {
  const out: Starter[] = [{ name: 'Sluice', start: () => sluice(ctx, { ...mode, label: 'Sluice' }) }];
  sluiceBeforeClis().forEach((_, n) => out.push({ name: 'Sluice', start: () => sluice(ctx, { ...mode, label: 'Sluice', before: n }) }));
  for (const n of sluiceWorkerCounts()) out.push({ name: 'Sluice', start: () => sluice(ctx, { ...mode, label: `Sluice workers: ${n}`, workers: n }) });
  return out;
}

const M = (intercept: boolean, inject: boolean, longIdle = false): Mode => ({ intercept, inject, longIdle });

/** curl arguments that send through `c` (or straight, for direct). */
function curlVia(c: Contender): string[] {
  if (!c.proxy) return ['--noproxy', '*'];
  return ['-x', `http://127.0.0.1:${c.proxy.port}`, ...(c.proxy.auth ? ['--proxy-header', `Proxy-Authorization: ${c.proxy.auth}`] : [])];
}

async function curlCheck(kids: Children, c: Contender, url: string, want: (status: string, body: string) => string | undefined): Promise<string | undefined> {
  const r = await kids.run('curl', ['-sS', '--max-time', '20', ...curlVia(c), '--cacert', c.ca, '-w', '\n%{http_code}', url], 30_000);
  const lines = r.stdout.split('\n');
  const status = lines.pop() ?? '';
  if (r.code !== 0) return `curl exit ${r.code}: ${r.stderr.trim()}`;
  return want(status, lines.join('\n'));
}

const oneK = (status: string, body: string): string | undefined =>
  status === '200' && body.length === BODY_BYTES ? undefined : `HTTP ${status}, ${body.length} bytes: ${body.slice(0, 200)}`;

function httpsLoad(
  kids: Children,
  ctx: StartContext,
  c: Contender,
  seconds: number,
  connections: number,
  mode: 'keepalive' | 'handshake',
): Promise<Omit<LoadResult, 'cpu'>> {
  const args = [
    HTTPS_LOAD,
    '--port',
    String(ctx.upstream.httpsPort),
    '--path',
    '/1k',
    '--ca',
    c.ca,
    '--connections',
    String(connections),
    '--seconds',
    String(seconds),
    '--mode',
    mode,
  ];
  if (c.proxy) args.push('--proxy-port', String(c.proxy.port));
  return kids.run('node', args, (seconds + 120) * 1000, c.proxy?.auth ? { SLUICE_BENCH_PROXY_AUTH: c.proxy.auth } : undefined).then((r) => {
    if (r.code !== 0) throw new Error(`https-load exited ${r.code}: ${r.stderr.trim().slice(-500)}`);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<keyof LoadResult, number | string | null>;
    // JSON turns NaN (no successful request) into null.
    const num = (v: number | string | null | undefined): number => (typeof v === 'number' ? v : NaN);
    return {
      rps: num(j.rps),
      p50: num(j.p50),
      p99: num(j.p99),
      requests: num(j.requests),
      errors: num(j.errors),
      detail: typeof j.detail === 'string' ? j.detail : undefined,
    };
  });
}

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  plain: {
    name: 'plain',
    title: 'HTTP/1.1 GET of a 1 KiB body through the proxy, keep-alive',
    settings: (o) =>
      `wrk -t${o.threads} -c${o.connections} -d${o.seconds}s, absolute-form GET http://127.0.0.1:PORT/1k; latency probe wrk -c1 ${o.probeSeconds}s; ${o.rounds} rounds alternating contenders`,
    start: (ctx) => [
      { name: 'direct', start: () => Promise.resolve(direct(ctx)) },
      { name: 'tinyproxy', start: () => tinyproxy(ctx, M(false, false)) },
      { name: 'Squid', start: () => squid(ctx, M(false, false)) },
      { name: 'proxy-chain', start: () => proxyChain(ctx) },
      { name: 'Node floor', start: () => nodeFloor(ctx, 'http') },
      { name: 'Node floor (raw-head)', start: () => nodeFloor(ctx, 'raw-head') },
      { name: 'Node floor (raw)', start: () => nodeFloor(ctx, 'raw') },
      ...sluices(ctx, M(true, false)),
    ],
    run: (kids, ctx, c, o, seconds, connections) =>
      wrkLoad(
        kids,
        ctx.tools.path('wrk'),
        ctx.dir,
        { upstreamPort: ctx.upstream.httpPort, path: '/1k', ...(c.proxy ? { proxy: c.proxy } : {}) },
        { connections, threads: connections === 1 ? 1 : o.threads, seconds },
      ),
    probe: true,
    preflight: (kids, ctx, c) => curlCheck(kids, c, `http://127.0.0.1:${ctx.upstream.httpPort}/1k`, oneK),
  },
  mitm: {
    name: 'mitm',
    title: 'HTTPS GET of a 1 KiB body with TLS interception, keep-alive to the agent',
    settings: (o) =>
      `Node client (undici Pool, own CONNECT connector, no TLS resumption), ${o.connections} connections, ${o.seconds}s; latency probe 1 connection ${o.probeSeconds}s; ${o.rounds} rounds alternating; interceptors add Authorization: Bearer <secret>`,
    start: (ctx) => [
      { name: 'direct', start: () => Promise.resolve(direct(ctx)) },
      { name: 'mitmproxy', start: () => mitmproxy(ctx, M(true, true)) },
      { name: 'Squid', start: () => squid(ctx, M(true, true)) },
      ...sluices(ctx, M(true, true)),
    ],
    run: (kids, ctx, c, _o, seconds, connections) => httpsLoad(kids, ctx, c, seconds, connections, 'keepalive'),
    probe: true,
    preflight: async (kids, ctx, c) => {
      const body = await curlCheck(kids, c, `https://127.0.0.1:${ctx.upstream.httpsPort}/1k`, oneK);
      if (body !== undefined || !c.proxy) return body;
      // The upstream echoes the Authorization it got; Sluice redacts a reflected secret.
      return curlCheck(kids, c, `https://127.0.0.1:${ctx.upstream.httpsPort}/check`, (status, b) =>
        status === '200' && (b === `Bearer ${SECRET_VALUE}` || b.includes('[REDACTED:sluice]'))
          ? undefined
          : `credential not injected: HTTP ${status} body ${b.slice(0, 100)}`,
      );
    },
  },
  handshake: {
    name: 'handshake',
    title: 'HTTPS GET of 1 KiB, a new CONNECT + TLS handshake(s) per request (no keep-alive)',
    settings: (o) =>
      `Node client, every request on a new connection (no TLS session resumption), ${o.handshakeConnections} at a time, ${o.seconds}s; ${o.rounds} rounds alternating`,
    start: (ctx) => [
      { name: 'direct', start: () => Promise.resolve(direct(ctx)) },
      { name: 'mitmproxy', start: () => mitmproxy(ctx, M(true, true)) },
      { name: 'Squid', start: () => squid(ctx, M(true, true)) },
      ...sluices(ctx, M(true, true)),
    ],
    run: (kids, ctx, c, o, seconds) => httpsLoad(kids, ctx, c, seconds, o.handshakeConnections, 'handshake'),
    probe: false,
    preflight: (kids, ctx, c) => curlCheck(kids, c, `https://127.0.0.1:${ctx.upstream.httpsPort}/1k`, oneK),
  },
  tunnel: {
    name: 'tunnel',
    title: 'CONNECT passthrough, 1 GiB HTTPS download (curl)',
    settings: (o) =>
      `curl through CONNECT (TLS end to end with nginx), 1 GiB from a sparse file, one transfer per contender per round; ${o.rounds} rounds alternating`,
    start: (ctx) => [
      { name: 'direct', start: () => Promise.resolve(direct(ctx)) },
      { name: 'tinyproxy', start: () => tinyproxy(ctx, M(false, false)) },
      { name: 'Squid', start: () => squid(ctx, M(false, false)) },
      { name: 'proxy-chain', start: () => proxyChain(ctx) },
      { name: 'mitmproxy', start: () => mitmproxy(ctx, M(false, false)) },
      ...sluices(ctx, M(false, false)),
    ],
    run: async (kids, ctx, c) => {
      const r = await kids.run(
        'curl',
        [
          '-sS',
          '--max-time',
          '600',
          ...curlVia(c),
          '--cacert',
          c.ca,
          '-o',
          '/dev/null',
          '-w',
          '%{http_code} %{size_download} %{time_total}',
          `https://127.0.0.1:${ctx.upstream.httpsPort}/1g`,
        ],
        660_000,
      );
      const [status, size, secs] = r.stdout.trim().split(' ');
      const ok = r.code === 0 && status === '200' && Number(size) === BULK_BYTES;
      return {
        rps: NaN,
        p50: NaN,
        p99: NaN,
        requests: 1,
        errors: ok ? 0 : 1,
        mbps: ok ? Number(size) / Number(secs) / 1e6 : NaN,
        detail: ok ? undefined : `curl ${r.code} HTTP ${status} ${size} bytes ${r.stderr.trim()}`,
      };
    },
    probe: false,
    preflight: (kids, ctx, c) => curlCheck(kids, c, `https://127.0.0.1:${ctx.upstream.httpsPort}/1k`, oneK),
  },
  idle: {
    name: 'idle',
    title: 'idle CONNECT tunnels held open: RSS of each proxy',
    settings: (o) =>
      `${o.tunnels.toLocaleString('en-US')} tunnels requested, opened 100 at a time by one Node client, held idle; RSS (all the proxy's processes) 3 s after the last opened; one round`,
    start: () => [],
    probe: false,
  },
};

/** Whether `--only` keeps the contender called `name` (Sluice, and its before build, always). */
export function selected(o: Options, name: string): boolean {
  return o.only.length === 0 || name === 'Sluice' || o.only.includes(name.toLowerCase());
}
