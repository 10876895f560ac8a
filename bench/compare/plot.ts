/**
 * The comparison as one SVG, written by hand (no plotting dependency): a row per
 * scenario, a panel per figure (the throughput figure and p99 latency, or held RSS for
 * idle), a bar per contender in a colour that stays the same across panels.
 */
import type { Row, ScenarioResult } from './report.js';

interface Panel {
  title: string;
  unit: string;
  bars: { name: string; value: number }[];
}

const PALETTE: Record<string, string> = {
  direct: '#9e9e9e',
  tinyproxy: '#8d6e63',
  Squid: '#1e88e5',
  'Squid ssl-bump': '#1565c0',
  'proxy-chain': '#43a047',
  mitmproxy: '#fb8c00',
  'mitmproxy (ignore_hosts)': '#ef6c00',
};
const colour = (name: string): string => PALETTE[name] ?? (name.startsWith('Sluice') ? '#d81b60' : '#7e57c2');

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panels(res: ScenarioResult): Panel[] {
  const ok = res.rows.filter((r) => !r.unavailable);
  const bars = (f: (r: Row) => number | undefined): Panel['bars'] =>
    ok.map((r) => ({ name: r.name, value: f(r) ?? NaN })).filter((b) => Number.isFinite(b.value));
  if (res.scenario === 'tunnel') return [{ title: `${res.scenario}: throughput`, unit: 'MB/s', bars: bars((r) => r.mbps) }];
  if (res.scenario === 'idle') return [{ title: `${res.scenario}: RSS holding the tunnels`, unit: 'MiB', bars: bars((r) => r.idle?.heldMiB) }];
  return [
    { title: `${res.scenario}: requests per second`, unit: 'req/s', bars: bars((r) => r.rps) },
    { title: `${res.scenario}: p99 latency`, unit: 'ms', bars: bars((r) => r.p99) },
  ];
}

const W = 480;
const H = 250;
const PAD = { left: 60, right: 12, top: 34, bottom: 62 };

function drawPanel(p: Panel, x0: number, y0: number): string {
  const out: string[] = [
    `<g transform="translate(${x0},${y0})">`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(p.title)}</text>`,
  ];
  const max = Math.max(...p.bars.map((b) => b.value), 0) || 1;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  out.push(`<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" stroke="#333"/>`);
  for (let i = 0; i <= 4; i++) {
    const y = PAD.top + plotH - (plotH * i) / 4;
    const v = (max * i) / 4;
    out.push(`<line x1="${PAD.left}" y1="${y}" x2="${W - PAD.right}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(
      `<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" font-size="10">${v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1)}</text>`,
    );
  }
  out.push(
    `<text x="14" y="${PAD.top + plotH / 2}" font-size="11" transform="rotate(-90 14 ${PAD.top + plotH / 2})" text-anchor="middle">${esc(p.unit)}</text>`,
  );
  const slot = plotW / Math.max(p.bars.length, 1);
  p.bars.forEach((b, i) => {
    const h = (b.value / max) * plotH;
    const x = PAD.left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    const label = b.value >= 100 ? Math.round(b.value).toLocaleString('en-US') : b.value.toFixed(2);
    out.push(`<rect x="${x.toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${colour(b.name)}"/>`);
    out.push(`<text x="${(x + w / 2).toFixed(1)}" y="${(PAD.top + plotH - h - 4).toFixed(1)}" text-anchor="middle" font-size="10">${label}</text>`);
    const lx = x + w / 2;
    const ly = PAD.top + plotH + 12;
    out.push(`<text x="${lx.toFixed(1)}" y="${ly}" text-anchor="end" font-size="10" transform="rotate(-25 ${lx.toFixed(1)} ${ly})">${esc(b.name)}</text>`);
  });
  if (p.bars.length === 0) out.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12">no figures</text>`);
  out.push('</g>');
  return out.join('\n');
}

/** One SVG with every scenario given, in the order given. */
export function plotSvg(results: ScenarioResult[]): string {
  const rows = results.map(panels);
  const width = W * 2 + 20;
  const height = rows.length * (H + 10) + 50;
  const body: string[] = [];
  rows.forEach((ps, i) => ps.forEach((p, j) => body.push(drawPanel(p, 10 + j * W, 40 + i * (H + 10)))));
  const when =
    results
      .map((r) => r.date)
      .sort()
      .pop() ?? '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="22" font-size="15" font-weight="bold">Sluice vs other proxies on loopback (npm run bench), ${esc(when)}</text>
${body.join('\n')}
</svg>
`;
}
