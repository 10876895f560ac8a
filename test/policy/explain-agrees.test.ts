import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../src/policy/compile.js';
import { decide } from '../../src/policy/decide.js';
import { explain } from '../../src/policy/explain.js';
import type { RequestFacts, RuleSpec, Who } from '../../src/policy/types.js';
import { prng } from '../helpers/prng.js';

function gen(seed: number) {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const some = <T>(xs: readonly T[]): T[] => {
    const n = 1 + Math.floor(r() * 2);
    return Array.from({ length: n }, () => pick(xs));
  };
  const maybe = <T>(p: number, f: () => T): T | undefined => (r() < p ? f() : undefined);

  const rule = (i: number): RuleSpec => ({
    id: `r${i}`,
    hosts: maybe(0.8, () => some(['a.test', '*.a.test', '*.test', '*', 'x.test', '10.0.0.5', '::1', 'b.a.test'])),
    ports: maybe(0.2, () => some([443, 80, '8000-8100', '1-1024'])),
    schemes: maybe(0.2, () => some(['http', 'https'] as const)),
    methods: maybe(0.4, () => some(['GET', 'POST', 'DELETE'])),
    paths: maybe(0.4, () => some(['/**', '/a/**', '/a/*', '/a/*/c', '/a/**/c', '/a', '/b/**', '/*b*'])),
    tenants: maybe(0.2, () => some(['acme', 'globex', 'ac*'])),
    agents: maybe(0.3, () => some(['bot', 'support-*', '*'])),
    labels: maybe(0.15, () => pick<Record<string, string>>([{ team: 'support' }, { team: 'sales' }, {}])),
    action: pick(['allow', 'allow', 'deny', 'approve'] as const),
    mode: r() < 0.2 ? 'report' : undefined,
    intent: maybe(0.2, () => `intent.${i}`),
  });
  const rules = Array.from({ length: 1 + Math.floor(r() * 12) }, (_, i) => rule(i));
  const facts = (): RequestFacts => ({
    scheme: pick(['http', 'https'] as const),
    host: pick(['a.test', 'b.a.test', 'c.b.a.test', 'x.test', 'test', 'y.test', '10.0.0.5', '::1', '[::1]', 'A.Test.']),
    port: pick([80, 443, 8000, 8100, 9000]),
    method: pick(['GET', 'get', 'POST', 'DELETE', 'CONNECT']),
    path: pick(['/', '/a', '/a/', '/a/b', '/a/b/c', '/a/x/y/c', '/a/../b', '/a%2Fb', '/b/x?q=1', '/%61/b', '/xbx', '', '/a/./c']),
  });
  const who = (): Who | null =>
    r() < 0.25
      ? null
      : {
          tenant: pick(['acme', 'globex', 'initech']),
          agent: pick(['bot', 'support-bot', 'other']),
          session: 's',
          human: null,
          labels: pick<Record<string, string>>([{}, { team: 'support' }, { team: 'sales' }]),
        };
  return { rules, facts, who };
}

void test('explain (all rules, no index) agrees with decide (indexed) on random policies and requests', () => {
  let decisions = 0;
  const seen = { rule_allow: 0, rule_deny: 0, no_rule_matched: 0, rule_approve: 0, wouldDeny: 0 };
  for (let seed = 1; seed <= 400; seed++) {
    const g = gen(seed);
    const policy = compilePolicy(g.rules, `seed-${seed}`);
    for (let i = 0; i < 40; i++) {
      const facts = g.facts();
      const who = g.who();
      const d = decide(facts, who, policy);
      const e = explain(facts, who, policy);
      const ctx = `seed ${seed}, ${JSON.stringify(facts)}, ${JSON.stringify(who)}`;
      assert.deepEqual(e.decision, d, ctx);
      decisions++;
      seen[d.reason]++;
      if (d.wouldDeny.length > 0) seen.wouldDeny++;

      // The trace ends at the deciding rule (or covers every rule on a default deny), and says why for each skip.
      const last = e.trace[e.trace.length - 1];
      if (d.rule === 'default-deny') assert.equal(e.trace.length, policy.rules.length, ctx);
      else assert.deepEqual([last?.rule, last?.result, last?.mode], [d.rule, 'matched', 'enforce'], ctx);
      for (const t of e.trace) {
        assert.equal(t.why.length === 0, t.result === 'matched', ctx);
        if (t !== last) assert.ok(t.result === 'skipped' || t.mode === 'report', ctx);
      }
      assert.deepEqual(
        e.trace.filter((t) => t.result === 'matched' && t.mode === 'report' && t.action === 'deny').map((t) => t.rule),
        d.wouldDeny,
        ctx,
      );
    }
  }
  assert.equal(decisions, 16_000);
  // The generator must exercise every path, or agreement means little.
  for (const [k, n] of Object.entries(seen)) assert.ok(n > 500, `only ${n} decisions with ${k}`);
});
