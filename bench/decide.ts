/**
 * How fast `decide` is with a large policy, side by side with a naive linear scan
 * over the same compiled rules (every rule in order, every matcher).
 *
 *   node dist/bench/decide.js [--rules 10000] [--batches 200] [--batch-ms 1] [--seed 1]
 *
 * The policy is generated: mostly exact API hosts with methods, path globs and
 * agents, some `*.domain` wildcards, a few any-host rules, denies and report-mode
 * rules. Requests hit an early rule, a late rule, a wildcard rule, or nothing.
 * Each figure is the time per call, from batches timed with process.hrtime.bigint
 * after a warm-up; median and p99 over the batches. A batch is as many calls as
 * take about --batch-ms (calibrated during the warm-up), so the slow linear scan
 * and the fast indexed decide are measured over the same wall time.
 */
import { parseArgs } from 'node:util';
import { compilePolicy, type CompiledPolicy } from '../src/policy/compile.js';
import { buildDecision } from '../src/policy/decision.js';
import { decide } from '../src/policy/decide.js';
import { prepareFacts } from '../src/policy/matcher.js';
import type { Decision, RequestFacts, RuleSpec, Who } from '../src/policy/types.js';
import { prng } from '../test/helpers/prng.js';

const { values } = parseArgs({
  options: {
    rules: { type: 'string', default: '10000' },
    batches: { type: 'string', default: '200' },
    'batch-ms': { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
  },
  strict: true,
});
const N = Number(values.rules);
const BATCHES = Number(values.batches);
const BATCH_NS = Number(values['batch-ms']) * 1e6;

/** A policy shaped like a big organisation's: per-service API rules, vendor wildcards, a few global rules. */
function generateRules(n: number, seed: number): RuleSpec[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const rules: RuleSpec[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r();
    const team = `team${i % 97}`;
    const base: RuleSpec = { id: `rule-${i}` };
    if (kind < 0.005) {
      // Global rules: no host, scoped by agent and method.
      rules.push({ ...base, agents: [`ops-${i}-*`], methods: ['GET'], intent: `global.${i}` });
    } else if (kind < 0.2) {
      rules.push({ ...base, hosts: [`*.vendor${i}.example.net`], agents: [`${team}-*`], methods: pick([['GET'], ['GET', 'HEAD'], ['POST']]) });
    } else {
      const host = `api${i}.svc${i % 50}.example.com`;
      const rule: RuleSpec = {
        ...base,
        hosts: r() < 0.1 ? [host, `alt${i}.example.org`] : [host],
        methods: pick([['GET'], ['GET', 'HEAD'], ['POST'], ['DELETE'], ['GET', 'POST', 'PUT']]),
        paths: pick([[`/v1/${team}/**`], [`/v1/${team}/*/items`], ['/api/**/status'], [`/repos/${team}/**`, '/health']]),
        agents: r() < 0.6 ? [pick([`${team}-bot`, `${team}-*`, '*-agent'])] : undefined,
        ports: r() < 0.2 ? [443, '8000-8100'] : undefined,
      };
      if (r() < 0.1) rule.action = 'deny';
      if (r() < 0.03) rule.mode = 'report';
      if (rule.action === undefined && r() < 0.2) rule.credential = { secret: `secret_${i}`, header: 'authorization', value: 'Bearer {{secret}}' };
      rules.push(rule);
    }
  }
  return rules;
}

/** The obvious implementation: every rule, in order, every matcher. */
function linearDecide(facts: RequestFacts, who: Who | null, policy: CompiledPolicy): Decision {
  const f = prepareFacts(facts);
  const wouldDeny: string[] = [];
  for (const rule of policy.rules) {
    if (!rule.matchers.every((m) => m.matches(f, who))) continue;
    if (rule.mode === 'enforce') return buildDecision(rule, wouldDeny, policy);
    if (rule.action === 'deny') wouldDeny.push(rule.id);
  }
  return buildDecision(null, wouldDeny, policy);
}

/** A request the given exact-host rule allows (its first method, a path its first pattern matches). */
function requestFor(rule: RuleSpec): { facts: RequestFacts; who: Who } {
  const pattern = rule.paths?.[0] ?? '/';
  const path = pattern.replace('/**/', '/x/').replace('/**', '/a/b').replace('*', 'one');
  const agent = (rule.agents?.[0] ?? 'x-agent').replace('*', 'bot');
  return {
    facts: { scheme: 'https', host: rule.hosts?.[0] ?? 'none.test', port: 443, method: rule.methods?.[0] ?? 'GET', path: `${path}?page=2` },
    who: { tenant: 'acme', agent, session: 's', human: null, labels: {} },
  };
}

type DecideFn = (facts: RequestFacts, who: Who | null, policy: CompiledPolicy) => Decision;

function timePerCall(fn: DecideFn, facts: RequestFacts, who: Who, policy: CompiledPolicy): { median: number; p99: number; batch: number } {
  let sink = 0;
  // Warm-up, which also calibrates the batch size: run for ~50 ms (at least 100 calls).
  let calls = 0;
  const warm = process.hrtime.bigint();
  let elapsed = 0;
  while (calls < 100 || elapsed < 50e6) {
    sink += fn(facts, who, policy).rule.length;
    calls++;
    elapsed = Number(process.hrtime.bigint() - warm);
  }
  const batch = Math.max(1, Math.round(BATCH_NS / (elapsed / calls)));
  const perCall: number[] = [];
  for (let b = 0; b < Math.max(1, BATCHES); b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink += fn(facts, who, policy).rule.length;
    perCall.push(Number(process.hrtime.bigint() - start) / batch);
  }
  if (sink === 0) throw new Error('unreachable: keeps the calls from being optimised away');
  perCall.sort((a, b) => a - b);
  const at = (q: number): number => perCall[Math.min(perCall.length - 1, Math.floor(q * perCall.length))]!;
  return { median: at(0.5), p99: at(0.99), batch };
}

function fmt(ns: number): string {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}

const rules = generateRules(N, Number(values.seed));
const compileStart = process.hrtime.bigint();
const policy = compilePolicy(rules, 'bench');
const compileMs = Number(process.hrtime.bigint() - compileStart) / 1e6;

const exactRules = rules.filter((r) => r.hosts?.[0]?.startsWith('api') === true && r.mode === undefined && r.action === undefined);
const wildcard = rules.find((r) => r.hosts?.[0]?.startsWith('*.') === true);
const cases: { name: string; facts: RequestFacts; who: Who }[] = [];
const early = exactRules[0];
const late = exactRules[exactRules.length - 1];
if (early) cases.push({ name: 'early hit', ...requestFor(early) });
if (late) cases.push({ name: 'late hit', ...requestFor(late) });
if (wildcard) {
  const host = `eu.api${wildcard.hosts![0]!.slice(1)}`;
  const w = requestFor({ ...wildcard, hosts: [host] });
  cases.push({ name: 'wildcard hit', ...w });
}
cases.push({
  name: 'no rule',
  facts: { scheme: 'https', host: 'unknown.example.io', port: 443, method: 'GET', path: '/x' },
  who: { tenant: 'acme', agent: 'team1-bot', session: 's', human: null, labels: {} },
});

console.log(
  `decide: ${N} rules, compiled in ${compileMs.toFixed(1)} ms; per call, over ${BATCHES} batches of ~${values['batch-ms']} ms after warm-up; node ${process.version}`,
);
console.log(
  `${'request'.padEnd(14)} ${'rule'.padEnd(12)} ${'indexed median'.padStart(15)} ${'p99'.padStart(10)}   ${'linear median'.padStart(14)} ${'p99'.padStart(10)}`,
);
for (const c of cases) {
  const d = decide(c.facts, c.who, policy);
  const lin = linearDecide(c.facts, c.who, policy);
  if (JSON.stringify(d) !== JSON.stringify(lin)) throw new Error(`indexed and linear disagree on ${c.name}: ${d.rule} vs ${lin.rule}`);
  const a = timePerCall(decide, c.facts, c.who, policy);
  const b = timePerCall(linearDecide, c.facts, c.who, policy);
  console.log(
    `${c.name.padEnd(14)} ${d.rule.padEnd(12)} ${fmt(a.median).padStart(15)} ${fmt(a.p99).padStart(10)}   ${fmt(b.median).padStart(14)} ${fmt(b.p99).padStart(10)}`,
  );
}
