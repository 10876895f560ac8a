/**
 * What one audit record costs the SQLite trail: N records built as the gate builds them
 * (`auditRecord`, linked into a hash chain, serialised once as the trail does) pushed
 * through the real ThreadedSqliteAuditSink into a real audit.db, at a steady rate so the
 * batches are the size a busy gate posts. Prints CPU µs per record of the writer thread,
 * of the main thread (queueing and posting) and of the process's other threads (V8's
 * helpers), read from /proc/self/task/<tid>/schedstat (ns on CPU).
 *
 *   node dist/bench/audit-writer.js [--records 20000] [--rate 5000] [--runs 5] [--commit-ms 100] [--before /path/to/other/dist]
 *
 * `--rate 0` pushes everything at once (full batches). `--before` loads the sink of
 * another build (e.g. main's `dist/`) and times it against this one in the same run,
 * runs alternated, so a busy machine slows both alike. `--commit-ms` sets this build's
 * `commitMs` (how long the writer thread gathers batches into one transaction).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditChain } from '../src/audit/chain.js';
import { newDecisionId } from '../src/audit/decision-id.js';
import type { AuditRecord } from '../src/audit/fields.js';
import { auditRecord } from '../src/audit/record.js';
import { ThreadedSqliteAuditSink } from '../src/audit/sqlite-thread-sink.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '5' },
    'commit-ms': { type: 'string' },
    before: { type: 'string' },
  },
  strict: true,
});
const N = Number(values.records);
const RATE = Number(values.rate);
const RUNS = Number(values.runs);
const COMMIT_MS = values['commit-ms'] === undefined ? undefined : Number(values['commit-ms']);
const WARMUP = 1_000;

type SinkClass = typeof ThreadedSqliteAuditSink;

/** The records of one run and their JSON (the trail serialises each once, for the journal and the sinks). */
function records(n: number): { record: AuditRecord; json: string }[] {
  const chain = new AuditChain({ key: null, onCheckpoint: () => undefined });
  const agents = ['ci-bot', 'research', 'support-1', 'support-2', 'deploy'];
  const out: { record: AuditRecord; json: string }[] = [];
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const t = t0 + Math.floor(i / 5);
    const deny = i % 20 === 7;
    const record = auditRecord({
      decision_id: newDecisionId(t),
      time: new Date(t).toISOString(),
      who: { tenant: 'default', agent: agents[i % agents.length]!, session: `sess-${(i * 7) % 40}`, human: null },
      method: i % 3 === 0 ? 'POST' : 'GET',
      scheme: 'http',
      host: deny ? 'evil.example.net' : '127.0.0.1',
      port: deny ? 80 : 8080,
      path: `/v1/items/${i % 997}`,
      outcome: deny ? 'deny' : 'allow',
      reason: deny ? 'no_rule_matched' : 'rule_allow',
      rule: deny ? null : 'bench',
      policy_version: 'sha256:4f2a9c0d1e7b',
      status: deny ? 403 : 200,
      bytes_in: i % 3 === 0 ? 512 : 0,
      bytes_out: deny ? 0 : 1024,
      duration_ms: 0.4 + (i % 50) / 10,
      transport: 'http',
      address: deny ? null : '127.0.0.1:8080',
    });
    chain.link(record);
    out.push({ record, json: JSON.stringify(record) });
  }
  chain.stop();
  return out;
}

/** ns on CPU of each thread of this process, by thread id. */
function threadCpu(): Map<number, number> {
  const m = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      m.set(Number(tid), Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // the thread exited meanwhile
    }
  }
  return m;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 120_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Push `recs` into the sink at RATE records/s (all at once with --rate 0, in batch-sized turns). */
async function push(sink: ThreadedSqliteAuditSink, recs: { record: AuditRecord; json: string }[]): Promise<void> {
  const start = performance.now();
  let i = 0;
  while (i < recs.length) {
    const due = RATE > 0 ? Math.min(recs.length, Math.floor(((performance.now() - start) * RATE) / 1000)) : Math.min(recs.length, i + 256);
    for (; i < due; i++) sink.write(recs[i]!.record, recs[i]!.json);
    await (RATE > 0 ? sleep(5) : new Promise<void>((r) => setImmediate(r)));
  }
}

interface Sample {
  writer: number;
  main: number;
  other: number;
}

/** One run of one build's sink: µs of CPU per record on each kind of thread, warm-up excluded. */
async function run(Sink: SinkClass): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-audit-'));
  const recs = records(WARMUP + N);
  const errors: Error[] = [];
  const before = new Set(threadCpu().keys());
  const sink = new Sink(dir, { onError: (err) => errors.push(err), commitMs: COMMIT_MS });
  try {
    await push(sink, recs.slice(0, WARMUP));
    await until(() => sink.written === WARMUP, 'the warm-up records');
    const c0 = threadCpu();
    await push(sink, recs.slice(WARMUP));
    await until(() => sink.written === WARMUP + N, 'the records');
    const c1 = threadCpu();
    const sample: Sample = { writer: 0, main: 0, other: 0 };
    for (const [tid, ns] of c1) {
      const d = (ns - (c0.get(tid) ?? 0)) / 1000 / N;
      if (tid === process.pid) sample.main += d;
      else if (!before.has(tid)) sample.writer += d;
      else sample.other += d;
    }
    if (errors.length > 0) throw new Error(`the sink reported: ${errors[0]!.message}`);
    return sample;
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fmt = (s: Sample[]): string =>
  `writer ${med(s.map((x) => x.writer)).toFixed(1)}  main ${med(s.map((x) => x.main)).toFixed(1)}  other ${med(s.map((x) => x.other)).toFixed(1)} µs/record`;

const builds: { name: string; Sink: SinkClass; samples: Sample[] }[] = [{ name: 'this build', Sink: ThreadedSqliteAuditSink, samples: [] }];
if (values.before !== undefined) {
  const dir = values.before.replace(/\/$/, '');
  const old = (await import(`${dir}/src/audit/sqlite-thread-sink.js`)) as { ThreadedSqliteAuditSink: SinkClass };
  builds.push({ name: `before (${dir})`, Sink: old.ThreadedSqliteAuditSink, samples: [] });
}
console.log(`${N} records per run at ${RATE > 0 ? `${RATE}/s` : 'full speed'}, ${RUNS} runs per build (alternated)`);
for (let r = 0; r < RUNS; r++) {
  for (const b of r % 2 === 0 ? builds : [...builds].reverse()) {
    const s = await run(b.Sink);
    b.samples.push(s);
    console.log(`  run ${r + 1} ${b.name}: writer ${s.writer.toFixed(1)}  main ${s.main.toFixed(1)}  other ${s.other.toFixed(1)}`);
  }
}
for (const b of builds) console.log(`${b.name}: ${fmt(b.samples)} (medians)`);
if (builds.length === 2) {
  const ratio = (k: keyof Sample): string => (med(builds[0]!.samples.map((x) => x[k])) / med(builds[1]!.samples.map((x) => x[k]))).toFixed(2);
  console.log(`this build / before: writer ${ratio('writer')}x  main ${ratio('main')}x`);
}
