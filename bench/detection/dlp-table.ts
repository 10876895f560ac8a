/**
 * A quick local table of the DLP cases alone (the full benchmark runs every scanner):
 * detection per category for attacks, false positives per category for benign cases,
 * and the misses by id.
 *
 *   node dist/bench/detection/dlp-table.js [--misses] [--filter text]
 */
import { dlpCases } from './attacks-dlp.js';
import { evaluate, findingsOf } from './eval-dlp.js';

const showMisses = process.argv.includes('--misses');
const fi = process.argv.indexOf('--filter');
const filter = fi > 0 ? process.argv[fi + 1] : undefined;
const rows = new Map<string, { kind: string; n: number; hit: number; misses: string[] }>();
const t0 = performance.now();
const cases = dlpCases().filter((c) => filter === undefined || c.id.includes(filter));
for (const c of cases) {
  const key = `${c.kind}\t${c.category}`;
  let r = rows.get(key);
  if (r === undefined) rows.set(key, (r = { kind: c.kind, n: 0, hit: 0, misses: [] }));
  r.n++;
  const flagged = await evaluate(c);
  if (flagged) r.hit++;
  if (flagged !== (c.kind === 'attack'))
    r.misses.push(
      c.kind === 'benign'
        ? `${c.id} ${JSON.stringify((await findingsOf(c)).filter((f) => f.action !== 'warn').map((f) => f.type + ':' + (f.encoding ?? '')))}`
        : c.id,
    );
}
let attacks = 0;
let caught = 0;
let benign = 0;
let fps = 0;
for (const [key, r] of [...rows].sort()) {
  const pctv = ((100 * r.hit) / r.n).toFixed(1);
  console.log(
    `${key.padEnd(40)} ${String(r.n).padStart(5)} ${r.kind === 'attack' ? 'detected' : 'flagged '} ${pctv.padStart(6)}%${r.kind === 'attack' && r.hit / r.n < 0.97 ? '  <' : ''}${r.kind === 'benign' && r.hit > 0 ? '  <' : ''}`,
  );
  if (r.kind === 'attack') {
    attacks += r.n;
    caught += r.hit;
  } else {
    benign += r.n;
    fps += r.hit;
  }
  if (showMisses) for (const m of r.misses.slice(0, 40)) console.log(`    ${m}`);
}
console.log(
  `attacks ${caught}/${attacks} (${((100 * caught) / attacks).toFixed(2)}%), benign flagged ${fps}/${benign} (${((100 * fps) / Math.max(1, benign)).toFixed(2)}%), ${cases.length} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
