/**
 * `explain`: the decision plus, for every rule before the deciding one, every
 * reason it did not match. It walks ALL rules in order and checks every matcher
 * (the host too), without the host index, so it is an independent second
 * implementation of `decide`; the tests hold the two to the same answers.
 */
import type { CompiledPolicy } from './compile.js';
import { buildDecision } from './decision.js';
import { prepareFacts } from './matcher.js';
import type { Explanation, RequestFacts, RuleAction, RuleMode, TraceEntry, Who } from './types.js';

/**
 * @example
 * const { decision, trace } = explain({ scheme: 'https', host: 'api.github.com', port: 443, method: 'DELETE', path: '/' }, who, policy);
 * trace[0]; // { rule: 'github-read', index: 0, result: 'skipped', mode: 'enforce', action: 'allow', why: ['method DELETE not in [GET]', ...] }
 */
export function explain(facts: RequestFacts, who: Who | null, policy: CompiledPolicy): Explanation {
  const f = prepareFacts(facts);
  const { decided, wouldDeny, trace } = traceRules(policy.rules, (rule) => {
    const why: string[] = [];
    for (const m of rule.matchers) {
      const reason = m.explain(f, who);
      if (reason !== null) why.push(reason);
    }
    return why;
  });
  return { decision: buildDecision(decided, wouldDeny, policy), trace };
}

/** What a rule needs for the walk: its place, mode and action. */
interface TracedRule {
  id: string;
  index: number;
  mode: RuleMode;
  action: RuleAction;
}

/**
 * The walk both explanations make (HTTP rules here, MCP tool rules in explain-tool.ts):
 * every rule in order until an enforce rule matches, each with every reason it did
 * not match; report-mode deny rules that matched on the way would have denied.
 *
 * @example
 * traceRules(policy.rules, (r) => reasonsItMisses(r)); // { decided: rule or null, wouldDeny: ['audit-only'], trace: [...] }
 */
export function traceRules<R extends TracedRule>(
  rules: readonly R[],
  whyNot: (rule: R) => string[],
): { decided: R | null; wouldDeny: string[]; trace: TraceEntry[] } {
  const trace: TraceEntry[] = [];
  const wouldDeny: string[] = [];
  for (const rule of rules) {
    const why = whyNot(rule);
    const matched = why.length === 0;
    trace.push({ rule: rule.id, index: rule.index, result: matched ? 'matched' : 'skipped', mode: rule.mode, action: rule.action, why });
    if (!matched) continue;
    if (rule.mode === 'enforce') return { decided: rule, wouldDeny, trace };
    if (rule.action === 'deny') wouldDeny.push(rule.id);
  }
  return { decided: null, wouldDeny, trace };
}
