/**
 * Turn the rounds of a scenario into one row per contender (medians across rounds) and
 * print it as a markdown table, every figure followed by its ratio to Sluice's.
 */
import type { LoadResult } from './load-result.js';
import { median } from './stats.js';

export type ScenarioName = 'plain' | 'mitm' | 'tunnel' | 'handshake' | 'idle';

export interface Row {
  name: string;
  note?: string | undefined;
  unavailable?: string | undefined;
  rounds: LoadResult[];
  /** Latency at one connection (keep-alive scenarios): median across rounds of each run's p50. */
  p50c1?: number;
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
  /** CPU microseconds per request. */
  cpuPer: number;
  peakRssMiB: number;
  errors: number;
  mbps?: number;
  idle?: { tunnels: number; requested: number; baseMiB: number; heldMiB: number; kibPerTunnel: number; projectedMiB: number; openSeconds: number };
}

export interface ScenarioResult {
  scenario: ScenarioName;
  title: string;
  date: string;
  machine: string;
  load: { before: number[]; after: number[] };
  settings: string;
  rows: Row[];
  notes: string[];
  targets: string[];
}

export function aggregate(name: string, rounds: LoadResult[], extra: Partial<Row>): Row {
  const m = (f: (r: LoadResult) => number | undefined): number => median(rounds.map((r) => f(r) ?? NaN));
  const rps = m((r) => r.rps);
  const cpu = m((r) => r.cpu);
  const mbps = m((r) => r.mbps);
  const cpuPer = median(rounds.map((r) => (r.cpu / r.requests) * 1e6));
  return {
    name,
    rounds,
    rps,
    p50: m((r) => r.p50),
    p99: m((r) => r.p99),
    cpu,
    cpuPer,
    peakRssMiB: NaN,
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    ...(Number.isFinite(mbps) ? { mbps } : {}),
    ...extra,
  };
}

const fmt = (v: number | undefined, digits?: number): string => {
  if (v === undefined || !Number.isFinite(v)) return '-';
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
};

function withRatio(v: number | undefined, base: number | undefined, isBase: boolean, digits?: number): string {
  const s = fmt(v, digits);
  if (isBase || v === undefined || base === undefined || !Number.isFinite(v) || !Number.isFinite(base) || base === 0) return s;
  return `${s} (${(v / base).toFixed(2)}x)`;
}

interface Column {
  head: string;
  get: (r: Row) => number | undefined;
  digits?: number;
}

function columns(s: ScenarioName): Column[] {
  if (s === 'tunnel') {
    return [
      { head: 'MB/s', get: (r) => r.mbps },
      { head: 'CPU s per GiB', get: (r) => r.cpu, digits: 2 },
      { head: 'peak RSS MiB', get: (r) => r.peakRssMiB, digits: 1 },
    ];
  }
  if (s === 'idle') {
    return [
      { head: 'tunnels held', get: (r) => r.idle?.tunnels, digits: 0 },
      { head: 'RSS before MiB', get: (r) => r.idle?.baseMiB, digits: 1 },
      { head: 'RSS holding MiB', get: (r) => r.idle?.heldMiB, digits: 1 },
      { head: 'KiB per tunnel', get: (r) => r.idle?.kibPerTunnel, digits: 1 },
      { head: 'projected MiB at 10,000', get: (r) => r.idle?.projectedMiB, digits: 1 },
      { head: 'CPU s to open', get: (r) => r.cpu, digits: 2 },
    ];
  }
  const cols: Column[] = [
    { head: 'req/s', get: (r) => r.rps },
    { head: 'p50 ms', get: (r) => r.p50 },
    { head: 'p99 ms', get: (r) => r.p99 },
  ];
  if (s !== 'handshake') cols.push({ head: 'p50 ms @1 conn', get: (r) => r.p50c1, digits: 3 });
  cols.push(
    { head: 'CPU s', get: (r) => r.cpu, digits: 2 },
    { head: 'CPU µs/req', get: (r) => r.cpuPer },
    { head: 'peak RSS MiB', get: (r) => r.peakRssMiB, digits: 1 },
  );
  return cols;
}

export function isSluice(r: Row): boolean {
  return r.name.startsWith('Sluice');
}

/** The markdown table (ratios to the first Sluice row) plus notes. */
export function markdown(res: ScenarioResult): string {
  const cols = columns(res.scenario);
  const base = res.rows.find((r) => isSluice(r) && !r.unavailable);
  const head = ['contender', ...cols.map((c) => c.head), 'errors', 'notes'];
  const lines = [
    `### ${res.scenario}: ${res.title}`,
    '',
    `${res.date}; ${res.machine}; load average before ${res.load.before.map((x) => x.toFixed(2)).join(' ')}, after ${res.load.after.map((x) => x.toFixed(2)).join(' ')}`,
    '',
    res.settings,
    '',
  ];
  lines.push(`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 0 || i === head.length - 1 ? '---' : '---:')).join(' | ')} |`);
  for (const r of res.rows) {
    if (r.unavailable) {
      lines.push(`| ${r.name} | ${cols.map(() => 'n/a').join(' | ')} | - | unavailable: ${r.unavailable.replace(/\|/g, '/')} |`);
      continue;
    }
    const cells = cols.map((c) => withRatio(c.get(r), base ? c.get(base) : undefined, r === base, c.digits));
    lines.push(`| ${r.name} | ${cells.join(' | ')} | ${r.errors} | ${(r.note ?? '').replace(/\|/g, '/')} |`);
  }
  lines.push('', '(x) = ratio to Sluice; medians over rounds.');
  if (res.targets.length) lines.push('', 'Targets:', ...res.targets.map((t) => `- ${t}`));
  if (res.notes.length) lines.push('', 'Notes:', ...res.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}
