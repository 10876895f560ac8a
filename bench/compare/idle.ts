/**
 * The idle scenario: one contender at a time (so each has the machine's file descriptors
 * and memory to itself), open N CONNECT tunnels through it and hold them, and read its
 * RSS (all its processes) before and while holding them.
 *
 * A passthrough tunnel costs the proxy two descriptors (agent side, upstream side), so N
 * is capped by the descriptor limit the proxies inherit; the table gives the per-tunnel
 * cost and the projection to 10,000 when the cap bites.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Children, firstLine } from '../children.js';
import { mitmproxy, proxyChain, sluice, sluiceBeforeClis, squid, tinyproxy, type Contender, type Mode, type StartContext } from './contenders.js';
import { cpuSeconds, treeRss } from './proc-tree.js';
import { aggregate, type Row, type ScenarioResult } from './report.js';
import { selected, type Options, type Scenario } from './scenarios.js';

const IDLE_CLIENT = fileURLToPath(new URL('./idle-client.js', import.meta.url));
const MIB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The soft RLIMIT_NOFILE children inherit, from /proc/self/limits. */
export function nofileLimit(): number {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : 1024;
}

interface IdleCase {
  /** For `--only`. */
  name: string;
  start: (ctx: StartContext) => Promise<Contender>;
  /** Complete a TLS handshake in each tunnel (an intercepting proxy holds the session). */
  tls: boolean;
}

const PASS: Mode = { intercept: false, inject: false, longIdle: true };
function cases(): IdleCase[] {
  const sluices = (before?: number): IdleCase[] => [
    { name: 'Sluice', start: (ctx) => sluice(ctx, { ...PASS, label: 'Sluice (passthrough)', before }), tls: false },
    { name: 'Sluice', start: (ctx) => sluice(ctx, { ...PASS, intercept: true, label: 'Sluice (intercepted, TLS held)', before }), tls: true },
  ];
  return [
    { name: 'tinyproxy', start: (ctx) => tinyproxy(ctx, PASS), tls: false },
    { name: 'Squid', start: (ctx) => squid(ctx, PASS), tls: false },
    { name: 'proxy-chain', start: (ctx) => proxyChain(ctx), tls: false },
    { name: 'mitmproxy', start: (ctx) => mitmproxy(ctx, PASS), tls: false },
    ...sluices(),
    ...sluiceBeforeClis().flatMap((_, n) => sluices(n)),
  ];
}

export async function idle(s: Scenario, base: StartContext, o: Options, machine: string, log: (m: string) => void): Promise<ScenarioResult> {
  const before = loadavg();
  const limit = nofileLimit();
  const notes: string[] = [];
  const rows: Row[] = [];
  for (const k of cases().filter((x) => selected(o, x.name))) {
    const kids = new Children();
    const ctx: StartContext = { ...base, kids };
    let name = 'contender';
    try {
      const c = await k.start(ctx);
      name = c.name;
      if (c.unavailable || !c.pid || !c.proxy) {
        rows.push({ ...aggregate(c.name, [], {}), unavailable: c.unavailable ?? 'no process' });
        continue;
      }
      // Two descriptors per passthrough tunnel (one per side), one per held TLS session; keep 500 spare.
      const cap = k.tls ? limit - 500 : Math.floor((limit - 500) / 2);
      const count = Math.min(o.tunnels, cap);
      if (count < o.tunnels)
        notes.push(
          `${c.name}: ${count.toLocaleString('en-US')} tunnels, not ${o.tunnels.toLocaleString('en-US')}: the proxies inherit an open-file limit of ${limit} and a tunnel takes ${k.tls ? 1 : 2} descriptors`,
        );
      await sleep(1000);
      const baseRss = treeRss(c.pid).rss;
      const cpu0 = cpuSeconds(c.pid);
      const args = [
        IDLE_CLIENT,
        '--proxy-port',
        String(c.proxy.port),
        '--port',
        String(base.upstream.httpsPort),
        '--count',
        String(count),
        ...(k.tls ? ['--tls', '--ca', c.ca] : []),
      ];
      const client = kids.spawn('node', args, c.proxy.auth ? { SLUICE_BENCH_PROXY_AUTH: c.proxy.auth } : undefined);
      const line = (await firstLine(client, /^(\{.*\})$/, 600_000))[1]!;
      const got = JSON.parse(line) as { opened: number; failed: number; seconds: number; firstError?: string };
      await sleep(3000);
      const held = treeRss(c.pid).rss;
      const cpu = cpuSeconds(c.pid) - cpu0;
      const perTunnel = got.opened > 0 ? (held - baseRss) / got.opened : NaN;
      const row = aggregate(c.name, [{ rps: NaN, p50: NaN, p99: NaN, requests: got.opened, errors: got.failed, cpu }], { note: c.note });
      row.idle = {
        tunnels: got.opened,
        requested: count,
        baseMiB: baseRss / MIB,
        heldMiB: held / MIB,
        kibPerTunnel: perTunnel / 1024,
        projectedMiB: (baseRss + perTunnel * 10_000) / MIB,
        openSeconds: got.seconds,
      };
      row.peakRssMiB = treeRss(c.pid).hwm / MIB;
      if (got.failed) notes.push(`${c.name}: ${got.failed} tunnels failed to open (${got.firstError ?? '?'})`);
      log(`  ${c.name}: ${got.opened} tunnels in ${got.seconds.toFixed(1)} s, RSS ${(baseRss / MIB).toFixed(1)} -> ${(held / MIB).toFixed(1)} MiB`);
      rows.push(row);
    } catch (e) {
      rows.push({ ...aggregate(name, [], {}), unavailable: (e as Error).message });
    } finally {
      await kids.stopAll();
    }
  }
  return {
    scenario: 'idle',
    title: s.title,
    date: new Date().toISOString(),
    machine,
    load: { before, after: loadavg() },
    settings: s.settings(o),
    rows,
    notes,
    targets: [],
  };
}
