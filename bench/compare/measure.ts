/**
 * Run one request scenario: start its contenders (each in this scenario's own process
 * set, stopped at the end), check each answers correctly, warm each up, then alternate
 * A B A B ... for the rounds, charging each run with the contender's CPU seconds, and
 * keep each contender's peak RSS over the scenario.
 */
import { loadavg } from 'node:os';
import { Children } from '../children.js';
import type { Contender, StartContext } from './contenders.js';
import type { LoadResult } from './load-result.js';
import { cpuSeconds, resetTreePeak, treeRss } from './proc-tree.js';
import { aggregate, type Row, type ScenarioResult } from './report.js';
import { selected, type Options, type Scenario } from './scenarios.js';
import { median } from './stats.js';

const MIB = 1024 * 1024;
const WARM_SECONDS = 2;

export async function measure(s: Scenario, base: StartContext, o: Options, machine: string, log: (m: string) => void): Promise<ScenarioResult> {
  const kids = new Children();
  const ctx: StartContext = { ...base, kids };
  const before = loadavg();
  const notes: string[] = [];
  try {
    const contenders: Contender[] = [];
    for (const st of s.start(ctx).filter((x) => selected(o, x.name))) {
      const c = await st.start();
      log(`  ${c.name}: ${c.unavailable ? `unavailable (${c.unavailable})` : c.pid ? `pid ${c.pid}, port ${c.proxy?.port}` : 'straight to the upstream'}`);
      contenders.push(c);
    }
    for (const c of contenders) {
      if (c.unavailable || !s.preflight) continue;
      const bad = await s.preflight(kids, ctx, c).catch((e: Error) => e.message);
      if (bad !== undefined) {
        c.unavailable = `pre-flight check failed: ${bad}`;
        log(`  ${c.name}: ${c.unavailable}`);
      }
    }
    const live = contenders.filter((c) => !c.unavailable);
    const run = s.run!;
    for (const c of live) {
      // A 1 GiB transfer is its own warm-up; one straight transfer settles the page cache and nginx.
      if (s.name === 'tunnel' && c.proxy) continue;
      await run(kids, ctx, c, o, WARM_SECONDS, s.name === 'handshake' ? o.handshakeConnections : o.connections).catch(() => undefined);
    }
    for (const c of live) if (c.pid) resetTreePeak(c.pid);
    const runs = new Map<Contender, LoadResult[]>(live.map((c) => [c, []]));
    const probes = new Map<Contender, number[]>(live.map((c) => [c, []]));
    for (let round = 1; round <= o.rounds; round++) {
      for (const c of live) {
        const cpu0 = c.pid ? cpuSeconds(c.pid) : NaN;
        let r: LoadResult;
        try {
          r = {
            ...(await run(kids, ctx, c, o, o.seconds, s.name === 'handshake' ? o.handshakeConnections : o.connections)),
            cpu: c.pid ? cpuSeconds(c.pid) - cpu0 : NaN,
          };
        } catch (e) {
          r = { rps: NaN, p50: NaN, p99: NaN, requests: 0, errors: 1, cpu: NaN, detail: (e as Error).message };
        }
        runs.get(c)!.push(r);
        log(`  round ${round} ${c.name}: ${summary(r)}`);
        if (s.probe) {
          const p = await run(kids, ctx, c, o, o.probeSeconds, 1).catch(() => undefined);
          probes.get(c)!.push(p?.p50 ?? NaN);
        }
      }
    }
    const rows: Row[] = contenders.map((c) => {
      if (c.unavailable) return { ...aggregate(c.name, [], {}), unavailable: c.unavailable, note: c.note };
      const rs = runs.get(c)!;
      const peak = c.pid ? treeRss(c.pid).hwm / MIB : NaN;
      const details = [...new Set(rs.map((r) => r.detail).filter((d): d is string => !!d))];
      if (details.length) notes.push(`${c.name}: ${details.slice(0, 2).join('; ')}`);
      return aggregate(c.name, rs, { note: c.note, peakRssMiB: peak, ...(s.probe ? { p50c1: median(probes.get(c)!) } : {}) });
    });
    return {
      scenario: s.name,
      title: s.title,
      date: new Date().toISOString(),
      machine,
      load: { before, after: loadavg() },
      settings: s.settings(o),
      rows,
      notes,
      targets: [],
    };
  } finally {
    await kids.stopAll();
  }
}

function summary(r: LoadResult): string {
  const parts: string[] = [];
  if (Number.isFinite(r.rps)) parts.push(`${r.rps.toFixed(0)} req/s`, `p50 ${r.p50.toFixed(2)} ms`, `p99 ${r.p99.toFixed(2)} ms`);
  if (r.mbps !== undefined && Number.isFinite(r.mbps)) parts.push(`${r.mbps.toFixed(0)} MB/s`);
  if (Number.isFinite(r.cpu)) parts.push(`cpu ${r.cpu.toFixed(2)} s`);
  if (r.errors) parts.push(`${r.errors} errors${r.detail ? ` (${r.detail.slice(0, 160)})` : ''}`);
  return parts.join(', ');
}
