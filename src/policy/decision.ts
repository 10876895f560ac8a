/**
 * Building a Decision from the deciding rule, shared by `decide` and `explain`
 * so the two can never disagree on what a rule grants.
 */
import type { CompiledRule } from './compile.js';
import { DEFAULT_DENY_RULE, type Decision, type ResolvedProfile } from './types.js';

/**
 * @example
 * buildDecision(null, [], policy); // { outcome: 'deny', rule: 'default-deny', reason: 'no_rule_matched', ... }
 */
export function buildDecision(rule: CompiledRule | null, wouldDeny: string[], policy: { version: string; profile: ResolvedProfile }): Decision {
  const version = policy.version;
  if (rule === null) {
    return {
      outcome: 'deny',
      rule: DEFAULT_DENY_RULE,
      reason: 'no_rule_matched',
      policyVersion: version,
      intent: null,
      credential: null,
      route: null,
      respond: null,
      headers: null,
      wouldDeny,
      inspect: null,
      profile: policy.profile,
    };
  }
  // An approve rule grants what an allow rule does, once a person approves.
  const allow = rule.action !== 'deny';
  return {
    outcome: rule.action,
    rule: rule.id,
    reason: rule.action === 'approve' ? 'rule_approve' : allow ? 'rule_allow' : 'rule_deny',
    policyVersion: version,
    intent: rule.intent,
    credential: allow ? rule.credential : null,
    route: allow ? rule.route : null,
    respond: allow ? rule.respond : null,
    headers: allow ? rule.headers : null,
    wouldDeny,
    inspect: allow ? rule.inspect : null,
    profile: allow ? rule.profile : policy.profile,
    approval: rule.approval,
    critical: rule.critical,
  };
}
