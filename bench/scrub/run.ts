/**
 * Reflection scrubber throughput, side by side: the normalising matcher (escapes of any
 * subset decoded on the fly, one Aho-Corasick pass) against the previous fixed-needle
 * scrubber (legacy-scrubber.ts: Buffer.indexOf / Wu-Manber over ~20 encoded forms per
 * secret), on 4 MiB of mixed response bodies (JSON API records with UUIDs and hashes,
 * prose, HTML with entities, URL-encoded query strings, logs, a base64 image) in 64 KiB
 * chunks, for one secret and for a tenant with 20.
 *
 *   npm run bench:scrub   (node dist/bench/scrub/run.js [--runs 7] [--mib 4])
 *
 * Prints MB/s (median of the runs, by CPU time) per scrubber, for the mixed bodies and
 * for text with no escapes and HTML dense with entities (the matcher's best and worst), then how many echoes of
 * the reflection corpus each leaves unreadable, per echo form.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { reflectionNeedles, ReflectionScrubber } from '../../src/credentials/reflection-scrubber.js';
import { reflectionNeedles as legacyNeedles } from './legacy-needles.js';
import { ReflectionScrubber as LegacyScrubber } from './legacy-scrubber.js';
import { reflectionCases } from '../detection/attacks-reflection.js';
import { evaluate, leaks } from '../detection/eval-reflection.js';
import { legacyReceive } from './legacy-receive.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, mib: { type: 'string', default: '4' } }, strict: true });
const RUNS = Number(values.runs);
const SIZE = Number(values.mib) * 1024 * 1024;
const CHUNK = 64 * 1024;

let seed = 7;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
const WORDS = 'the agent asked for open issues and the service returned titles labels & assignees with 100% of builds green'.split(' ');
const sentence = (): string => Array.from({ length: 8 + Math.floor(rnd() * 20) }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ') + '. ';

function corpus(): Buffer {
  const parts: string[] = [];
  let len = 0;
  const image = `{"image":"data:image/png;base64,${randomBytes(48 * 1024).toString('base64')}"}\n`;
  while (len < SIZE) {
    const r = rnd();
    const p =
      r < 0.4
        ? JSON.stringify({
            id: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(12)}`,
            sha: hex(40),
            title: sentence(),
            url: `https://api.example.com/v1/items/${hex(6)}?q=a%20b&page=2`,
          }) + '\n'
        : r < 0.6
          ? `<p class="note">${sentence().replace(/&/g, '&amp;')} &mdash; &#169; 2026</p>\n`
          : r < 0.8
            ? sentence() + '\n'
            : r < 0.97
              ? `2026-03-10T09:00:00Z INFO request_id=${hex(32)} path=/api/v1/items status=200\n`
              : image;
    parts.push(p);
    len += p.length;
  }
  return Buffer.from(parts.join('').slice(0, SIZE), 'latin1');
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** MB/s by process CPU time (the per-core figure: steadier than wall clock on a shared host). */
function time(body: Buffer, make: () => { push(c: Buffer): Buffer; end(): Buffer }): number {
  const once = (): void => {
    const s = make();
    for (let i = 0; i < body.length; i += CHUNK) s.push(body.subarray(i, i + CHUNK));
    s.end();
  };
  for (let w = 0; w < 3; w++) once();
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage();
    once();
    const c = process.cpuUsage(c0);
    rates.push(body.length / (c.user + c.system || 1));
  }
  return median(rates);
}

const mixed = corpus();
const plainText = Buffer.from(
  sentence()
    .replace(/[&%]/g, '')
    .repeat(Math.ceil(SIZE / 200))
    .slice(0, SIZE),
  'latin1',
);
const htmlDense = Buffer.from('<p>fish &amp; chips &mdash; 100% &#169; 2026</p>\n'.repeat(Math.ceil(SIZE / 48)).slice(0, SIZE), 'latin1');
const secrets = Array.from({ length: 20 }, () => Buffer.from(`sk_live_${randomBytes(18).toString('base64url')}+/=`));
console.log(`reflection scrubber, ${(SIZE / 2 ** 20).toFixed(0)} MiB per body, ${CHUNK / 1024} KiB chunks (MB/s of CPU time, median of ${RUNS})`);
console.log('body          secrets  needles(new/old)  normalising (new)  fixed needles (old)');
for (const [label, body] of [
  ['mixed', mixed],
  ['plain text', plainText],
  ['dense HTML', htmlDense],
] as const) {
  for (const n of [1, 20]) {
    const ours = Object.freeze(secrets.slice(0, n).flatMap((s) => [...reflectionNeedles(s, { type: 'basic', secret: 's', username: 'api' })]));
    const old = Object.freeze(secrets.slice(0, n).flatMap((s) => [...legacyNeedles(s, { basic: { username: 'api' } })]));
    const a = time(body, () => new ReflectionScrubber(ours));
    const b = time(body, () => new LegacyScrubber(old));
    console.log(
      `${label.padEnd(12)}  ${String(n).padStart(7)}  ${`${ours.length}/${old.length}`.padStart(16)}  ${a.toFixed(0).padStart(17)}  ${b.toFixed(0).padStart(19)}`,
    );
  }
}

// The reflection corpus (bench/detection/attacks-reflection.ts), before and after.
const cases = reflectionCases();
const rows = new Map<string, { n: number; now: number; before: number }>();
let fp = 0;
for (const c of cases) {
  if (c.kind === 'benign') {
    if (evaluate(c)) fp++;
    continue;
  }
  const row = rows.get(c.category) ?? { n: 0, now: 0, before: 0 };
  row.n++;
  if (evaluate(c)) row.now++;
  if (!Object.values(c.secrets ?? {}).some((s) => leaks(legacyReceive(c), s))) row.before++;
  rows.set(c.category, row);
}
const total = [...rows.values()].reduce((a, r) => ({ n: a.n + r.n, now: a.now + r.now, before: a.before + r.before }), { n: 0, now: 0, before: 0 });
console.log(`\nreflection corpus: echoes scrubbed (every form x 5 secret shapes x placements); benign changed: ${fp} of ${cases.length - total.n}`);
console.log('form                       cases  normalising (new)  fixed needles (old)');
for (const [k, r] of [...rows.entries(), ['total', total] as const])
  console.log(`${k.padEnd(25)} ${String(r.n).padStart(6)}  ${String(r.now).padStart(17)}  ${String(r.before).padStart(19)}`);
