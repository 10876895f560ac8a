/**
 * Where a V8 CPU profile (`node --cpu-prof`) spent its time: self time per function and
 * per file, highest first. For reading hot spots after `npm run bench -- X --sluice-prof DIR`.
 *
 * @example
 * node dist/bench/compare/cpuprofile-top.js /tmp/prof/CPU.*.cpuprofile --top 25
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '20' } } });
const top = Number(values.top);
for (const file of positionals) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  // Percentages of busy time: the gate idles while the other contenders are measured.
  let idleUs = 0;
  for (const [id, us] of selfUs) if (byId.get(id)!.callFrame.functionName === '(idle)') idleUs += us;
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) - idleUs;
  const fn = new Map<string, number>();
  const fileSelf = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)') continue;
    const where = cf.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/') || '(native)';
    const key = `${cf.functionName || '(anonymous)'}  ${where}:${cf.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    fileSelf.set(where, (fileSelf.get(where) ?? 0) + us);
  }
  const show = (m: Map<string, number>): void => {
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  };
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms busy (${(idleUs / 1000).toFixed(0)} ms idle, left out)\n-- self time by function`);
  show(fn);
  console.log('-- self time by file');
  show(fileSelf);
  // Inclusive (self + callees) per function of our own code: which step of the request path costs what.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at)!.callFrame;
      if (cf.functionName === '(idle)' || !/\/dist\/(src|bench)\//.test(cf.url)) continue;
      const key = `${cf.functionName || '(anonymous)'}  ${cf.url.replace(/^file:\/\/.*?\/dist\//, 'dist/')}:${cf.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  console.log('-- inclusive time by function (Sluice code only)');
  show(incl);
}
