/**
 * Plain-HTTP load with wrk: keep-alive, N connections, absolute-form requests through the
 * proxy (a small Lua script sets the path, Host and, for Sluice, Proxy-Authorization);
 * direct hits the upstream's origin-form path.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Children } from '../children.js';
import type { LoadResult } from './load-result.js';

export interface WrkTarget {
  upstreamPort: number;
  path: string;
  proxy?: { port: number; auth?: string };
}

const UNIT: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  return m ? Number(m[1]) * UNIT[m[2]!]! : NaN;
}

/** Parse wrk's --latency report. */
export function parseWrk(out: string): Omit<LoadResult, 'cpu'> {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const total = /(\d+) requests in ([\d.]+)(\w+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    rps,
    p50,
    p99,
    requests: Number(total?.[1] ?? 0),
    errors: non2xx + sockErrors,
    detail: non2xx + sockErrors > 0 ? `${non2xx} non-2xx, socket errors ${sock?.slice(1).join('/') ?? '0'}` : undefined,
  };
}

export async function wrkLoad(
  kids: Children,
  wrk: string,
  dir: string,
  t: WrkTarget,
  opts: { connections: number; threads: number; seconds: number },
): Promise<Omit<LoadResult, 'cpu'>> {
  const args = [`-t${Math.min(opts.threads, opts.connections)}`, `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', '--timeout', '10s'];
  let url = `http://127.0.0.1:${t.upstreamPort}${t.path}`;
  if (t.proxy) {
    const script = join(dir, `wrk-${t.proxy.port}.lua`);
    const lines = [
      `wrk.path = "http://127.0.0.1:${t.upstreamPort}${t.path}"`,
      `wrk.headers["Host"] = "127.0.0.1:${t.upstreamPort}"`,
      ...(t.proxy.auth ? [`wrk.headers["Proxy-Authorization"] = "${t.proxy.auth}"`] : []),
    ];
    await writeFile(script, lines.join('\n') + '\n');
    args.push('-s', script);
    url = `http://127.0.0.1:${t.proxy.port}/`;
  }
  const r = await kids.run(wrk, [...args, url], (opts.seconds + 60) * 1000);
  if (r.code !== 0) throw new Error(`wrk exited ${r.code}: ${r.stderr.trim()}`);
  return parseWrk(r.stdout);
}
