/**
 * Tool-call decisions, as pure functions over the compiled policy's MCP rules:
 * the first matching enforce rule decides; a matching report-mode deny rule is
 * only noted (`wouldDeny`); nothing matches: `mcp.default` (deny unless the
 * config says allow). HTTP rules never take part, nor MCP rules in `decide`.
 */
import type { CompiledPolicy } from './compile.js';
import type { CompiledToolRule } from './tool-rule.js';
import type { McpServerRef, ToolCallDecision, ToolCallFacts } from './tool-types.js';
import { DEFAULT_ALLOW_RULE, DEFAULT_DENY_RULE, type Who } from './types.js';

/**
 * With no identity (`who` null), rules that name tenants, agents or labels do not match.
 *
 * @example
 * decideTool({ server: { host: 'mcp.tickets.example', name: 'tickets' }, tool: 'tickets.delete', args: {} }, who, policy);
 * // { outcome: 'deny', rule: 'tickets-no-delete', reason: 'rule_deny', policyVersion: 'a1b2c3', intent: 'tickets.delete', wouldDeny: [] }
 */
export function decideTool(facts: ToolCallFacts, who: Who | null, policy: CompiledPolicy): ToolCallDecision {
  let wouldDeny: string[] | null = null;
  for (const r of policy.mcp.rules) {
    if (!r.matches(facts.server, facts.tool, facts.args, who)) continue;
    if (r.mode === 'enforce') return buildToolDecision(r, facts.tool, wouldDeny ?? [], policy);
    if (r.action === 'deny') (wouldDeny ??= []).push(r.id);
  }
  return buildToolDecision(null, facts.tool, wouldDeny ?? [], policy);
}

/**
 * Whether a tool stays in `tools/list` for this identity. Hidden only when every
 * call to it would be denied whatever its arguments: the first enforce rule for
 * this identity that targets the tool without argument conditions decides,
 * unless a conditional allow before it could allow some call; none: `mcp.default`.
 *
 * @example
 * isToolListed({ host: 'h', name: 'tickets' }, 'tickets.delete', who, policy); // false: the model never sees it
 */
export function isToolListed(server: McpServerRef, tool: string, who: Who | null, policy: CompiledPolicy): boolean {
  for (const r of policy.mcp.rules) {
    if (r.mode !== 'enforce' || !r.forWho(who) || !r.targets(server, tool)) continue;
    if (!r.conditional) return r.action !== 'deny';
    if (r.action !== 'deny') return true;
  }
  return policy.mcp.default === 'allow';
}

/**
 * The decision a rule (or, for null, `mcp.default`) gives; shared by
 * `decideTool` and `explainTool` so the two cannot disagree.
 *
 * @example
 * buildToolDecision(null, 'fs.read', [], policy); // { outcome: 'deny', rule: 'default-deny', reason: 'no_rule_matched', intent: 'fs.read', ... }
 */
export function buildToolDecision(rule: CompiledToolRule | null, tool: string, wouldDeny: string[], policy: CompiledPolicy): ToolCallDecision {
  if (rule === null) {
    const outcome = policy.mcp.default;
    return {
      outcome,
      rule: outcome === 'allow' ? DEFAULT_ALLOW_RULE : DEFAULT_DENY_RULE,
      reason: 'no_rule_matched',
      policyVersion: policy.version,
      intent: tool,
      wouldDeny,
    };
  }
  return {
    outcome: rule.action,
    rule: rule.id,
    reason: rule.action === 'approve' ? 'rule_approve' : rule.action === 'allow' ? 'rule_allow' : 'rule_deny',
    policyVersion: policy.version,
    intent: rule.intent ?? tool,
    wouldDeny,
    approval: rule.approval,
  };
}
