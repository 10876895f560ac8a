/**
 * The detection benchmark: every case of every source (sources.ts) through its
 * scanner's evaluator in-process; detection rate per attack category, false-
 * positive rate per benign category, and the injection scanner's speed.
 *
 *   npm run bench:detection                 # in-process, all scanners with an evaluator
 *   npm run bench:detection -- --verbose    # also list every miss and false positive
 *   npm run bench:detection -- --gate       # and a sample through a running gate (gate-sample.ts)
 *
 * Evaluators are found by name (eval-<scanner>.js); a scanner without one is
 * reported as skipped. Benign documents run through every scanner in
 * BENIGN_SCANNERS, so one corpus gives each scanner its false-positive rate.
 */
import { parseArgs } from 'node:util';
import type { DetectionCase, Evaluate, Scanner } from './case.js';
import { BENIGN_SCANNERS, SOURCES } from './sources.js';
import { printRows, tally } from './report.js';
import type { Outcome } from './report.js';

const { values } = parseArgs({ options: { gate: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false } }, strict: true });

interface Evaluator {
  evaluate: Evaluate;
  explain?: (c: DetectionCase) => string[];
}

async function evaluatorFor(s: Scanner): Promise<Evaluator | undefined> {
  try {
    return (await import(`./eval-${s}.js`)) as Evaluator;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

const all: DetectionCase[] = [];
/** Benign documents of the corpus: read by every scanner in BENIGN_SCANNERS. */
const corpus = new Set<DetectionCase>();
for (const source of SOURCES) {
  const cases = await source.load();
  all.push(...cases);
  if (source.corpus) for (const c of cases) corpus.add(c);
}
const evaluators = new Map<Scanner, Evaluator>();
for (const s of new Set<Scanner>([...all.map((c) => c.scanner), ...BENIGN_SCANNERS])) {
  const e = await evaluatorFor(s);
  if (e) evaluators.set(s, e);
  else console.log(`(no evaluator for ${s}: its cases are skipped)`);
}
const runs: DetectionCase[] = [];
for (const c of all) {
  if (c.kind === 'attack' || !corpus.has(c)) runs.push(c);
  else for (const s of BENIGN_SCANNERS) if (evaluators.has(s)) runs.push({ ...c, scanner: s, id: `${s}/${c.id}` });
}

const outcomes: Outcome[] = [];
const perTenKb: number[] = [];
for (const c of runs) {
  const ev = evaluators.get(c.scanner);
  if (!ev) continue;
  const started = process.hrtime.bigint();
  const flagged = await ev.evaluate(c);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const size = c.input.body === undefined ? 0 : Buffer.byteLength(c.input.body);
  if (c.scanner === 'injection' && c.kind === 'benign' && size >= 2048) perTenKb.push((ms * 10240) / size);
  outcomes.push({ c, flagged });
}

console.log(`\ndetection benchmark: ${outcomes.length} case runs (${all.length} cases)\n`);
printRows(tally(outcomes));
console.log('');
// Speed, steady state: each benign document of 2 KB or more scanned three more times
// after the pass above (JIT and lazily compiled regexes warm), its fastest time kept.
const injection = evaluators.get('injection');
const steady: number[] = [];
if (injection) {
  for (const o of outcomes) {
    const c = o.c;
    const size = c.input.body === undefined ? 0 : Buffer.byteLength(c.input.body);
    if (c.scanner !== 'injection' || c.kind !== 'benign' || size < 2048) continue;
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const started = process.hrtime.bigint();
      await injection.evaluate(c);
      best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
    }
    steady.push((best * 10240) / size);
  }
}
for (const [label, xs] of [
  ['first pass, cold', perTenKb],
  ['steady state, best of 3', steady],
] as const) {
  xs.sort((a, b) => a - b);
  if (xs.length === 0) continue;
  const q = (p: number): string => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(3);
  console.log(`injection speed over ${xs.length} benign documents >= 2 KB (${label}): median ${q(0.5)} ms per 10 KB, p90 ${q(0.9)}, p99 ${q(0.99)}`);
}
const wrong = outcomes.filter((o) => o.flagged !== (o.c.kind === 'attack'));
if (values.verbose || wrong.length <= 40) {
  for (const o of wrong) {
    const why = o.c.kind === 'benign' ? (evaluators.get(o.c.scanner)?.explain?.(o.c) ?? []).join(' | ') : '';
    console.log(`${o.c.kind === 'attack' ? 'MISSED' : 'FALSE POSITIVE'} ${o.c.id} (${o.c.source}) ${why}`);
  }
} else console.log(`\n${wrong.length} misses and false positives; --verbose lists them`);

if (values.gate) await (await import('./gate-sample.js')).runGateSample(runs, evaluators);
