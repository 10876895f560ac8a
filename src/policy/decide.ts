/**
 * The decision, as a pure function: deny by default; the first matching enforce
 * rule decides; a matching report-mode deny rule is only noted (`wouldDeny`).
 */
import type { CompiledPolicy, CompiledRule } from './compile.js';
import { buildDecision } from './decision.js';
import { earliest } from './host-index.js';
import { prepareFacts, type PreparedFacts } from './matcher.js';
import type { Decision, RequestFacts, Who } from './types.js';

/**
 * Only the rules indexed under the request's host are looked at (exact name,
 * wildcard suffixes, any-host rules), merged back into rule order.
 *
 * The two-argument form decides without an identity (`who` null): rules that
 * name tenants, agents or labels do not match.
 *
 * @example
 * const policy = compilePolicy([{ id: 'gh', hosts: ['api.github.com'], methods: ['GET'] }], 'a1b2c3');
 * decide({ scheme: 'https', host: 'api.github.com', port: 443, method: 'GET', path: '/' }, who, policy);
 * // { outcome: 'allow', rule: 'gh', reason: 'rule_allow', policyVersion: 'a1b2c3', intent: null, ..., wouldDeny: [] }
 */
export function decide(facts: RequestFacts, policy: CompiledPolicy): Decision;
export function decide(facts: RequestFacts, who: Who | null, policy: CompiledPolicy): Decision;
export function decide(facts: RequestFacts, whoOrPolicy: Who | CompiledPolicy | null, maybePolicy?: CompiledPolicy): Decision {
  const policy = maybePolicy ?? (whoOrPolicy as CompiledPolicy);
  const who = maybePolicy === undefined ? null : (whoOrPolicy as Who | null);
  const f = prepareFacts(facts);
  const lists = policy.byHost.lists(f.host);
  let wouldDeny: string[] | null = null;
  // Merge the candidate lists by rule position (each is in rule order): `earliest` picks the next.
  const at = lists.length > 1 ? new Array<number>(lists.length).fill(0) : null;
  let i = 0;
  let last = -1;
  for (;;) {
    let rule: CompiledRule;
    if (at === null) {
      const e = lists[0]?.[i++];
      if (e === undefined) break;
      rule = e.item;
    } else {
      const best = earliest(lists, at);
      if (best === -1) break;
      const e = lists[best]![at[best]!++]!;
      rule = e.item;
      // A rule listed under two matching hosts comes up twice in a row: look at it once.
      if (e.seq === last) continue;
      last = e.seq;
    }
    if (!matchesAfterHost(rule, f, who)) continue;
    if (rule.mode === 'enforce') return buildDecision(rule, wouldDeny ?? [], policy);
    if (rule.action === 'deny') (wouldDeny ??= []).push(rule.id);
  }
  return buildDecision(null, wouldDeny ?? [], policy);
}

function matchesAfterHost(rule: CompiledRule, f: PreparedFacts, who: Who | null): boolean {
  for (const m of rule.afterHost) if (!m.matches(f, who)) return false;
  return true;
}
