/**
 * Differential fuzz of two builds' DLP scanners (not a test: it needs another build).
 * Random mixes of the pattern samples under 18 encodings, bench-like traffic (UUID and
 * hash JSON, integrity strings, base64 images, logs, seed words, random bytes,
 * non-ASCII), through `bodyScanner` (random chunking, all three body kinds),
 * `scanText`, `scanUrl` and `scanHeaders` of both; any difference in the findings is
 * printed. For speed work that must not change what is found:
 *
 *   git worktree add --detach /tmp/base main   (then node_modules and build linked in, npx tsc there)
 *   node dist/bench/dlp-differential-fuzz.js /tmp/base/dist [seed] [count] [known: all | long | longest | none]
 */
import { gzipSync, deflateSync } from 'node:zlib';
import * as ours from '../src/inspect/dlp/index.js';
import type { Finding } from '../src/inspect/finding.js';
import { SAMPLES } from '../test/inspect/dlp/pattern-samples.js';
import { otherDlp, seeded } from './differential.js';

type Dlp = typeof ours;
const [otherDir, seedArg, countArg, knownArg] = process.argv.slice(2);
if (otherDir === undefined) throw new Error('usage: differential-fuzz.js <other build dist> [seed] [count]');
const other = await otherDlp<Dlp>(otherDir);

const firstSeed = Number(seedArg ?? 1);
const { rnd, pick } = seeded(firstSeed);
const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
const rb = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
const knownValues: Array<string | Buffer> = [
  'x7Kp2mQ9vR4sL8nW1bY6cT3fA0jH5dEz',
  'hunter2hunter2',
  'abc12',
  Buffer.from([0x93, 0xfe, 0x01, 0x88, 0xa2, 0x11, 0xc4, 0x7f]),
  rb(24).toString('base64url'),
  'Sup3rS3cretValue!',
];
// `long`: only known secrets longer than 16 chars (then short opaque joins, a UUID's, are dropped unbuilt); `none`: no known secrets
const knownMode = knownArg ?? 'all';
// long: 17+ chars (needles at even words); longest: 19+ (at every fourth word)
const knownUsed = knownValues.filter(
  (v) => knownMode === 'all' || (typeof v === 'string' && ((knownMode === 'long' && v.length > 16) || (knownMode === 'longest' && v.length >= 19))),
);
const make = (m: Dlp): ours.DlpScanner => new m.DlpScanner({ known: new m.KnownSecrets(knownUsed.map((value, i) => ({ name: `k${i}`, value }))) });
const a = make(ours);
const b = make(other);
const samples = Object.values(SAMPLES)
  .flatMap((s) => [s.text, s.near, s.value])
  .concat(knownValues.filter((v): v is string => typeof v === 'string'));
const encodings: Array<(s: string) => string> = [
  (s) => s,
  (s) => Buffer.from(s).toString('base64'),
  (s) =>
    Buffer.from(s)
      .toString('base64')
      .replace(/(.{76})/g, '$1\n'),
  (s) =>
    Buffer.from(s)
      .toString('base64')
      .replace(/(.{4})/g, '$1 '),
  (s) => Buffer.from(s).toString('hex'),
  (s) => Buffer.from(s).toString('hex').toUpperCase().replace(/(..)/g, '$1:'),
  (s) => Buffer.from(s).toString('hex').replace(/(..)/g, '0x$1, '),
  (s) =>
    Buffer.from(s)
      .toString('hex')
      .replace(/(....)(?!$)/g, '$1-'),
  (s) => Buffer.from(s, 'utf16le').toString('latin1'),
  (s) => encodeURIComponent(s).replace(/[A-Za-z]/g, (c) => (rnd() < 0.3 ? `%${c.charCodeAt(0).toString(16)}` : c)),
  (s) => [...s].join('\u200b'),
  (s) => [...s].map((c) => (c > ' ' && c < '\x7f' && rnd() < 0.5 ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join(''),
  (s) => s.replace(/(.{10})/g, '$1=\r\n'),
  (s) => gzipSync(s).toString('base64'),
  (s) => deflateSync(s).toString('base64'),
  (s) => Buffer.from(Buffer.from(s).toString('base64')).toString('base64'),
  (s) =>
    JSON.stringify(s)
      .slice(1, -1)
      .replace(/[a-z]/g, (c) => (rnd() < 0.2 ? `\\u00${c.charCodeAt(0).toString(16)}` : c)),
  (s) => s.replace(/[A-F]/g, (c) => c.toLowerCase()),
];
const filler: Array<() => string> = [
  () => `{"id":"${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}","sha":"${hex(40)}","n":${Math.floor(rnd() * 1e7)}}\n`,
  () => `request ${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`.toUpperCase() + pick([' ', '\n', '-', 'x', '']),
  () => 'the agent requested a summary of open issues for the repository and the tool returned a list. ',
  () => `integrity sha512-${rb(64).toString('base64')} `,
  () => `data:image/png;base64,${rb(Math.floor(rnd() * 3000)).toString('base64')}\n`,
  () => rb(Math.floor(rnd() * 200)).toString('latin1'),
  () => 'abandon ability able about above absent absorb abstract absurd abuse access accident ',
  () => `2026-03-10T09:00:${String(Math.floor(rnd() * 60)).padStart(2, '0')}Z INFO request_id=${hex(8)} status=200\n`,
  () => pick([...' -\t:,\n=%\\&?+/']),
  () => 'é ü — “quoted” 中文，句号。 ',
  () => 'card 4111 1111 1111 1111 exp 12/28 ',
];
const key = (fs: readonly Finding[]): string => JSON.stringify(fs.map((f) => [f.type, f.location, f.encoding ?? '', f.detail ?? '', f.action]).sort());
const count = Number(countArg ?? 1000);
let differences = 0;
let findings = 0;
for (let i = 0; i < count; i++) {
  let s = '';
  const len = rnd() < 0.1 ? 70000 + Math.floor(rnd() * 150000) : Math.floor(rnd() * 3000);
  while (s.length < len) s += rnd() < 0.5 ? pick(filler)() : pick(encodings)(pick(samples));
  if (rnd() < 0.2) s = pick(encodings)(s.slice(0, 4000));
  const bytes = Buffer.from(s, rnd() < 0.5 ? 'utf8' : 'latin1');
  const ct = pick(['text/plain', 'application/json', 'application/x-www-form-urlencoded']);
  const step = 1 + Math.floor(rnd() * 70000);
  const body = (d: ours.DlpScanner): Finding[] => {
    const sc = d.bodyScanner(ct);
    const out: Finding[] = [];
    for (let k = 0; k < bytes.length; k += step) out.push(...sc.push(bytes.subarray(k, k + step)));
    out.push(...sc.end());
    return out;
  };
  const t = s.slice(0, 5000);
  const headers = { 'x-a': t.slice(0, 200).replace(/[\r\n]/g, ' '), cookie: t.slice(200, 400).replace(/[\r\n]/g, ' ') };
  const url = `/p/${encodeURIComponent(t.slice(0, 300))}`;
  const pairs: Array<[string, Finding[], Finding[]]> = [
    ['body', body(a), body(b)],
    ['text', a.scanText(t, 'x'), b.scanText(t, 'x')],
    ['url', a.scanUrl(url), b.scanUrl(url)],
    ['headers', a.scanHeaders(headers), b.scanHeaders(headers)],
  ];
  for (const [what, x, y] of pairs) {
    findings += x.length;
    if (key(x) === key(y)) continue;
    differences++;
    if (differences <= 5) console.log('DIFFERENCE', what, i, key(x), key(y), JSON.stringify(s.slice(0, 300)));
  }
}
console.log(`seed ${firstSeed} (known secrets: ${knownMode}): ${count} texts, ${findings} findings, ${differences} differences`);
process.exitCode = differences === 0 ? 0 : 1;
