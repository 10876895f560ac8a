/**
 * `explain`: the decision plus, for every rule before the deciding one, every
 * reason it did not match. It walks ALL rules in order and checks every matcher
 * (the host too), without the host index, so it is an independent second
 * implementation of `decide`; the tests hold the two to the same answers.
 */
import type { CompiledPolicy, CompiledRule } from './compile.js';
import { buildDecision } from './decision.js';
import { prepareFacts } from './matcher.js';
import type { Explanation, RequestFacts, TraceEntry, Who } from './types.js';

/**
 * @example
 * const { decision, trace } = explain({ scheme: 'https', host: 'api.github.com', port: 443, method: 'DELETE', path: '/' }, who, policy);
 * trace[0]; // { rule: 'github-read', index: 0, result: 'skipped', mode: 'enforce', action: 'allow', why: ['method DELETE not in [GET]', ...] }
 */
export function explain(facts: RequestFacts, who: Who | null, policy: CompiledPolicy): Explanation {
  const f = prepareFacts(facts);
  const trace: TraceEntry[] = [];
  const wouldDeny: string[] = [];
  let decided: CompiledRule | null = null;
  for (const rule of policy.rules) {
    const why: string[] = [];
    for (const m of rule.matchers) {
      const reason = m.explain(f, who);
      if (reason !== null) why.push(reason);
    }
    const matched = why.length === 0;
    trace.push({ rule: rule.id, index: rule.index, result: matched ? 'matched' : 'skipped', mode: rule.mode, action: rule.action, why });
    if (!matched) continue;
    if (rule.mode === 'enforce') {
      decided = rule;
      break;
    }
    if (rule.action === 'deny') wouldDeny.push(rule.id);
  }
  return { decision: buildDecision(decided, wouldDeny, policy), trace };
}
