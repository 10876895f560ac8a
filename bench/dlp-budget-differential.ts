/**
 * Differential check of two builds' DLP engines under small decode budgets (not a test:
 * it needs another build). The scanner gives every body a budget proportional to its
 * size, so the fuzz (dlp-differential-fuzz.ts) rarely runs one out; here texts of
 * UUIDs, dashed hex groups, spaced base64 groups and base64 values are scanned with
 * budgets from 0 up, so the order in which decoded layers and joins draw on the budget
 * (and what is left unread) must be the same in both builds: findings, their raw
 * spans and the budget left are compared.
 *
 *   node dist/bench/dlp-budget-differential.js /tmp/base/dist [texts]
 */
import { randomBytes } from 'node:crypto';
import type { Finding } from '../src/inspect/finding.js';
import { DlpEngine } from '../src/inspect/dlp/engine.js';
import { builtinPatterns } from '../src/inspect/dlp/patterns/index.js';
import { KnownSecrets } from '../src/inspect/dlp/known-secrets.js';

const [otherDir, countArg] = process.argv.slice(2);
if (otherDir === undefined) throw new Error('usage: dlp-budget-differential.js <other build dist> [texts]');
const dir = otherDir.replace(/\/$/, '');
const other = {
  DlpEngine: ((await import(`${dir}/src/inspect/dlp/engine.js`)) as { DlpEngine: typeof DlpEngine }).DlpEngine,
  builtinPatterns: ((await import(`${dir}/src/inspect/dlp/patterns/index.js`)) as { builtinPatterns: typeof builtinPatterns }).builtinPatterns,
  KnownSecrets: ((await import(`${dir}/src/inspect/dlp/known-secrets.js`)) as { KnownSecrets: typeof KnownSecrets }).KnownSecrets,
};
// one known secret longer than a UUID's join: such joins are then dropped unbuilt
const known = [{ name: 'k', value: 'x7Kp2mQ9vR4sL8nW1bY6cT3fA0jH5dEz' }];
const ours = new DlpEngine(builtinPatterns, { known: new KnownSecrets(known) });
const theirs = new other.DlpEngine(other.builtinPatterns, { known: new other.KnownSecrets(known) });

const hex = (n: number): string => randomBytes(n).toString('hex').slice(0, n);
const parts: Array<() => string> = [
  () => `{"id":"${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}"}\n`,
  () =>
    `${Buffer.from('AKIAIOSFODNN7EXAMPLE')
      .toString('hex')
      .replace(/(....)(?!$)/g, '$1-')}\n`,
  () =>
    `${Buffer.from(`ghp_${'a1B2'.repeat(9)}`)
      .toString('base64')
      .replace(/(.{4})/g, '$1 ')}\n`,
  () => `payload=${Buffer.from('AKIAIOSFODNN7EXAMPLE').toString('base64')}\n`,
  () => 'the agent asked for logs. ',
];

function scan(engine: DlpEngine, s: string, left: number): string {
  const out: Array<[string, string, string, number, number]> = [];
  const budget = { left, exhausted: false };
  engine.scan(s, {
    location: 'body',
    budget,
    limit: Infinity,
    plusAsSpace: false,
    firstRunSkip: 0,
    emit: (f: Finding, rs: number, re: number) => out.push([f.type, f.encoding ?? '', f.detail ?? '', rs, re]),
  });
  return JSON.stringify([out, budget.left, budget.exhausted]);
}

const count = Number(countArg ?? 150);
let scans = 0;
let exhausted = 0;
let differences = 0;
for (let i = 0; i < count; i++) {
  let s = '';
  while (s.length < 600) s += (parts[Math.floor(Math.random() * parts.length)] as () => string)();
  for (let left = 0; left <= 2400; left += 12) {
    const x = scan(ours, s, left);
    const y = scan(theirs, s, left);
    scans++;
    if (x.endsWith('true]')) exhausted++;
    if (x === y) continue;
    differences++;
    if (differences <= 3) console.log('DIFFERENCE', left, x, y, JSON.stringify(s));
  }
}
console.log(`budget differential: ${scans} scans, ${exhausted} with the budget exhausted, ${differences} differences`);
process.exitCode = differences === 0 ? 0 : 1;
