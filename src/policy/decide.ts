import type { CompiledPolicy } from './compile.js';
import { DEFAULT_DENY_RULE, type Decision, type RequestFacts } from './types.js';

/**
 * The decision, as a pure function: deny by default, first matching rule wins.
 *
 * @example
 * decide({ scheme: 'https', host: 'api.upstream.test', port: 443, method: 'GET', path: '/' }, policy)
 * // { outcome: 'allow', rule: 'upstream', reason: 'rule_allow', policyVersion: 'a1b2c3' }
 */
export function decide(facts: RequestFacts, policy: CompiledPolicy): Decision {
  const candidates = policy.byHost.candidates(facts.host);
  const first = candidates[0];
  if (first) return { outcome: 'allow', rule: first.id, reason: 'rule_allow', policyVersion: policy.version };
  return { outcome: 'deny', rule: DEFAULT_DENY_RULE, reason: 'no_rule_matched', policyVersion: policy.version };
}
