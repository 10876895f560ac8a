/**
 * `explainTool`: the tool-call decision plus, for every MCP rule up to the
 * deciding one, every reason it did not match. It checks every condition of
 * every rule (who, server, tool, arguments) rather than stopping at the first
 * miss, so it is a second implementation of `decideTool`; the tests hold the two
 * to the same answers. Explanations name arguments, never their values.
 */
import type { CompiledPolicy } from './compile.js';
import { buildToolDecision } from './decide-tool.js';
import type { CompiledToolRule } from './tool-rule.js';
import type { ToolCallFacts, ToolExplanation } from './tool-types.js';
import type { TraceEntry, Who } from './types.js';

/**
 * @example
 * const { decision, trace } = explainTool({ server: { host: 'h', name: 'tickets' }, tool: 'tickets.delete', args: {} }, who, policy);
 * trace[0]; // { rule: 'tickets-create', index: 4, result: 'skipped', mode: 'enforce', action: 'allow', why: ['tool tickets.delete not in [tickets.create]'] }
 */
export function explainTool(facts: ToolCallFacts, who: Who | null, policy: CompiledPolicy): ToolExplanation {
  const trace: TraceEntry[] = [];
  const wouldDeny: string[] = [];
  let decided: CompiledToolRule | null = null;
  for (const r of policy.mcp.rules) {
    const why = r.explain(facts.server, facts.tool, facts.args, who);
    const matched = why.length === 0;
    trace.push({ rule: r.id, index: r.index, result: matched ? 'matched' : 'skipped', mode: r.mode, action: r.action, why });
    if (!matched) continue;
    if (r.mode === 'enforce') {
      decided = r;
      break;
    }
    if (r.action === 'deny') wouldDeny.push(r.id);
  }
  return { decision: buildToolDecision(decided, facts.tool, wouldDeny, policy), trace };
}
