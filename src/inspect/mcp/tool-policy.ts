/**
 * Policy over MCP tools, as data: rules name servers and tools by glob, say
 * allow or deny, and may add conditions on the call's arguments. The first rule
 * that matches decides; no match takes the caller's default. Pure: the same
 * inputs give the same decision, so it is table-tested and explained.
 *
 * Glob semantics are in tool-glob.ts (`*` stays inside a dot segment, `**`
 * crosses; servers match by host like the policy's `hosts:` or by configured name);
 * argument conditions in arg-predicates.ts.
 *
 * @example
 * const rules = compileToolRules([
 *   { id: 'tickets-create', server: ['tickets'], tools: ['tickets.create'], action: 'allow' },
 *   { id: 'tickets-no-delete', server: ['tickets'], tools: ['tickets.delete'], action: 'deny' },
 * ]);
 * decideTool({ host: 'mcp.example.com', name: 'tickets' }, 'tickets.delete', {}, rules, 'deny')
 * // { outcome: 'deny', rule: 'tickets-no-delete', reason: 'rule_deny' }
 */
import { DEFAULT_DENY_RULE } from '../../policy/types.js';
import type { DecisionReason, Outcome, RuleAction } from '../../policy/types.js';
import { compileArgPredicate, McpRuleError } from './arg-predicates.js';
import type { ArgPredicate, ArgPredicateSpec } from './arg-predicates.js';
import { compileServerPattern, compileToolGlob } from './tool-glob.js';
import type { McpServerRef } from './tool-glob.js';

/** An MCP tool rule as the config states it. Absent `server`/`tools`/`args` match anything. */
export interface McpToolRuleSpec {
  id: string;
  /** Globs over the server's host or configured name. */
  server?: readonly string[];
  /** Tool-name globs. */
  tools?: readonly string[];
  action: RuleAction;
  /** Every condition must hold. */
  args?: readonly ArgPredicateSpec[];
}

export interface CompiledToolRule {
  readonly id: string;
  readonly action: RuleAction;
  readonly spec: McpToolRuleSpec;
  /** Server and tool match (arguments not looked at). */
  targets(server: McpServerRef, tool: string): boolean;
  /** True when the rule has argument conditions. */
  readonly conditional: boolean;
  matches(server: McpServerRef, tool: string, args: unknown): boolean;
  /** Every reason the rule does not match; empty when it does. Never quotes an argument value. */
  explain(server: McpServerRef, tool: string, args: unknown): string[];
}

export interface ToolDecision {
  outcome: Outcome;
  /** The deciding rule's id, or `default-deny` / `default-allow`. */
  rule: string;
  reason: DecisionReason;
}

export const DEFAULT_ALLOW_RULE = 'default-allow';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/**
 * Compile one rule; throws McpRuleError naming the field (`mcp.tools[2].args[0].matches: ...`).
 *
 * @example
 * compileToolRule({ id: 'fs-read', tools: ['fs.read'], action: 'allow', args: [{ path: 'path', under: '/workspace' }] }).conditional // true
 */
export function compileToolRule(spec: McpToolRuleSpec, where = `rule ${spec.id}`): CompiledToolRule {
  if (typeof spec.id !== 'string' || !ID.test(spec.id)) throw new McpRuleError(`${where}.id`, 'expected 1-128 of letters, digits, _ . : - (starting with a letter or digit)');
  if (spec.action !== 'allow' && spec.action !== 'deny') throw new McpRuleError(`${where}.action`, 'expected allow or deny');
  const servers = list(spec.server, `${where}.server`).map(compileServerPattern);
  const tools = list(spec.tools, `${where}.tools`).map(compileToolGlob);
  const preds: ArgPredicate[] = (spec.args ?? []).map((p, i) => compileArgPredicate(p, `${where}.args[${i}]`));
  const serverOk = (s: McpServerRef): boolean => servers.length === 0 || servers.some((m) => m(s));
  const toolOk = (t: string): boolean => tools.length === 0 || tools.some((m) => m(t));
  return {
    id: spec.id,
    action: spec.action,
    spec,
    conditional: preds.length > 0,
    targets: (s, t) => serverOk(s) && toolOk(t),
    matches: (s, t, a) => serverOk(s) && toolOk(t) && preds.every((p) => p.test(a)),
    explain: (s, t, a) => {
      const why: string[] = [];
      if (!serverOk(s)) why.push(`server ${serverText(s)} not in [${(spec.server ?? []).join(', ')}]`);
      if (!toolOk(t)) why.push(`tool ${t} not in [${(spec.tools ?? []).join(', ')}]`);
      for (const p of preds) {
        const w = p.explain(a);
        if (w !== null) why.push(w);
      }
      return why;
    },
  };
}

/** Compile a rule list, in order; ids must be unique. */
export function compileToolRules(specs: readonly McpToolRuleSpec[], where = 'mcp.rules'): CompiledToolRule[] {
  const seen = new Set<string>();
  return specs.map((s, i) => {
    const r = compileToolRule(s, `${where}[${i}]`);
    if (seen.has(r.id)) throw new McpRuleError(`${where}[${i}].id`, `rule id ${JSON.stringify(r.id)} is used twice`);
    seen.add(r.id);
    return r;
  });
}

/**
 * The first matching rule decides; none matching gives `defaultAction` with rule
 * `default-deny` or `default-allow` and reason `no_rule_matched`.
 *
 * @example
 * decideTool({ host: 'h' }, 'fs.read', { path: '/etc/passwd' }, rules, 'deny') // { outcome: 'deny', rule: 'default-deny', reason: 'no_rule_matched' }
 */
export function decideTool(server: McpServerRef, tool: string, args: unknown, rules: readonly CompiledToolRule[], defaultAction: RuleAction): ToolDecision {
  for (const r of rules) if (r.matches(server, tool, args)) return ruleDecision(r);
  return defaultDecision(defaultAction);
}

export interface ToolTraceEntry {
  rule: string;
  index: number;
  result: 'matched' | 'skipped';
  action: RuleAction;
  why: string[];
}

/**
 * `decideTool` with every rule's reasons up to the deciding one (all of them on a default).
 *
 * @example
 * explainTool(server, 'tickets.delete', {}, rules, 'deny').trace[0].why // ['tool tickets.delete not in [tickets.create]']
 */
export function explainTool(server: McpServerRef, tool: string, args: unknown, rules: readonly CompiledToolRule[], defaultAction: RuleAction): { decision: ToolDecision; trace: ToolTraceEntry[] } {
  const trace: ToolTraceEntry[] = [];
  for (const [index, r] of rules.entries()) {
    const why = r.explain(server, tool, args);
    trace.push({ rule: r.id, index, result: why.length === 0 ? 'matched' : 'skipped', action: r.action, why });
    if (why.length === 0) return { decision: ruleDecision(r), trace };
  }
  return { decision: defaultDecision(defaultAction), trace };
}

/**
 * Whether a tool stays in tools/list. Hidden only when every call to it would be
 * denied whatever its arguments: the first rule targeting the tool without
 * argument conditions decides, unless a conditional allow before it could allow
 * some call.
 *
 * @example
 * isToolListed(server, 'tickets.delete', rules, 'deny') // false: the model never sees it
 */
export function isToolListed(server: McpServerRef, tool: string, rules: readonly CompiledToolRule[], defaultAction: RuleAction): boolean {
  for (const r of rules) {
    if (!r.targets(server, tool)) continue;
    if (!r.conditional) return r.action === 'allow';
    if (r.action === 'allow') return true;
  }
  return defaultAction === 'allow';
}

function ruleDecision(r: CompiledToolRule): ToolDecision {
  return { outcome: r.action, rule: r.id, reason: r.action === 'allow' ? 'rule_allow' : 'rule_deny' };
}

function defaultDecision(a: RuleAction): ToolDecision {
  return { outcome: a, rule: a === 'deny' ? DEFAULT_DENY_RULE : DEFAULT_ALLOW_RULE, reason: 'no_rule_matched' };
}

function list(v: unknown, where: string): readonly string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x): x is string => typeof x === 'string' && x !== '')) {
    throw new McpRuleError(where, 'expected a non-empty list of non-empty globs');
  }
  return v;
}

function serverText(s: McpServerRef): string {
  return s.name != null ? `${s.name} (${s.host})` : s.host;
}
