/**
 * `explainTool`: the tool-call decision plus, for every MCP rule up to the
 * deciding one, every reason it did not match. It checks every condition of
 * every rule (who, server, tool, arguments) rather than stopping at the first
 * miss, so it is a second implementation of `decideTool`; the tests hold the two
 * to the same answers. Explanations name arguments, never their values.
 */
import type { CompiledPolicy } from './compile.js';
import { buildToolDecision } from './decide-tool.js';
import { traceRules } from './explain.js';
import type { ToolCallFacts, ToolExplanation } from './tool-types.js';
import type { Who } from './types.js';

/**
 * @example
 * const { decision, trace } = explainTool({ server: { host: 'h', name: 'tickets' }, tool: 'tickets.delete', args: {} }, who, policy);
 * trace[0]; // { rule: 'tickets-create', index: 4, result: 'skipped', mode: 'enforce', action: 'allow', why: ['tool tickets.delete not in [tickets.create]'] }
 */
export function explainTool(facts: ToolCallFacts, who: Who | null, policy: CompiledPolicy): ToolExplanation {
  const { decided, wouldDeny, trace } = traceRules(policy.mcp.rules, (r) => r.explain(facts.server, facts.tool, facts.args, who));
  return { decision: buildToolDecision(decided, facts.tool, wouldDeny, policy), trace };
}
