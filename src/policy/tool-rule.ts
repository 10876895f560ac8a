/**
 * One MCP tool rule compiled: who it is for (tenants, agents, labels, shared with
 * HTTP rules), which servers and tools it names (globs, see
 * inspect/mcp/tool-glob.ts), and conditions on the call's arguments (see
 * inspect/mcp/arg-predicates.ts). Pure; explanations never quote an argument's value.
 */
import { compileArgPredicate, McpRuleError } from '../inspect/mcp/arg-predicates.js';
import type { ArgPredicate, ArgPredicateSpec } from '../inspect/mcp/arg-predicates.js';
import { compileServerPattern, compileToolGlob } from '../inspect/mcp/tool-glob.js';
import { PolicyCompileError } from './compile-error.js';
import { listText } from './matcher.js';
import { serverPatternProblem, toolGlobProblem } from './tool-patterns.js';
import type { McpArgSpec, McpServerRef } from './tool-types.js';
import type { RuleAction, RuleMode, RuleSpec, Who } from './types.js';
import { compileWhoMatchers, type WhoMatcher } from './who-matchers.js';
import { compileApproval, DEFAULT_APPROVAL_SETTINGS, type ApprovalSettings, type ApprovalSpec } from './approval.js';

/** Keys an MCP tool rule cannot have: the server's HTTP rule carries host, credential and the rest. */
export const NOT_FOR_TOOL_RULES = ['hosts', 'ports', 'schemes', 'methods', 'paths', 'credential', 'route', 'respond', 'headers', 'inspect'] as const;

export interface CompiledToolRule {
  readonly id: string;
  /** Position in `rules:`, from 0 (HTTP and MCP rules count alike). */
  readonly index: number;
  readonly action: RuleAction;
  readonly mode: RuleMode;
  readonly intent: string | null;
  /** True when the rule has argument conditions. */
  readonly conditional: boolean;
  /** The identity matches the rule's tenants, agents and labels. */
  forWho(who: Who | null): boolean;
  /** Server and tool match (identity and arguments not looked at). */
  targets(server: McpServerRef, tool: string): boolean;
  matches(server: McpServerRef, tool: string, args: unknown, who: Who | null): boolean;
  /** Every reason the rule does not match; empty when it does. */
  explain(server: McpServerRef, tool: string, args: unknown, who: Who | null): string[];
  /** The rule as written. */
  readonly spec: RuleSpec;
  /** `action: approve`: who approves and how; null otherwise. */
  readonly approval: ApprovalSpec | null;
}

/**
 * The config's argument condition as arg-predicates.ts takes it.
 *
 * @example
 * argPredicateSpec({ path: 'path', starts_with: '/workspace/' }); // { path: 'path', startsWith: '/workspace/' }
 */
export function argPredicateSpec(a: McpArgSpec): ArgPredicateSpec {
  const out: ArgPredicateSpec = { path: a.path };
  if (a.equals !== undefined) out.equals = a.equals;
  if (a.in !== undefined) out.in = a.in;
  if (a.starts_with !== undefined) out.startsWith = a.starts_with;
  if (a.under !== undefined) out.under = a.under;
  if (a.matches !== undefined) out.matches = a.matches;
  return out;
}

/**
 * Compile one argument condition; throws McpRuleError whose field is relative to
 * `where` (`args[0].matches`), spelled as the config spells keys.
 *
 * @example
 * compileMcpArg({ path: 'path', under: '/workspace/' }, 'mcp.args[0]').test({ path: '/workspace/a' }); // true
 */
export function compileMcpArg(a: McpArgSpec, where: string): ArgPredicate {
  try {
    return compileArgPredicate(argPredicateSpec(a), where);
  } catch (err) {
    if (err instanceof McpRuleError) {
      throw new McpRuleError(err.field.replace(/\.startsWith$/, '.starts_with'), err.problem.replace(/\bstartsWith\b/g, 'starts_with'));
    }
    throw err;
  }
}

/**
 * @param serverNames names from `mcp.servers`: a pattern that is exactly one of
 *   them means that server only (never a host that happens to be called so).
 * @example
 * const r = compileToolRule({ id: 'tickets-create', mcp: { servers: ['tickets'], tools: ['tickets.create'] } }, 3, new Set(['tickets']));
 * r.matches({ host: 'mcp.tickets.example', name: 'tickets' }, 'tickets.create', {}, who); // true
 * r.explain({ host: 'h', name: 'tickets' }, 'tickets.delete', {}, who); // ['tool tickets.delete not in [tickets.create]']
 */
export function compileToolRule(
  spec: RuleSpec,
  index: number,
  serverNames: ReadonlySet<string> = new Set(),
  approvals: ApprovalSettings = DEFAULT_APPROVAL_SETTINGS,
): CompiledToolRule {
  const m = spec.mcp;
  if (m === undefined) throw new PolicyCompileError(spec.id, "not an MCP tool rule (no 'mcp')");
  for (const k of NOT_FOR_TOOL_RULES) {
    if (spec[k] !== undefined)
      throw new PolicyCompileError(spec.id, `an MCP tool rule cannot have '${k}'; the MCP server's HTTP rule carries host and credential`);
  }
  const named = patterns(spec.id, 'mcp.servers', m.servers, serverPatternProblem).map((p) =>
    serverNames.has(p) ? (s: McpServerRef) => s.name === p : compileServerPattern(p),
  );
  // A loosely named server (see mcpServerFor) is that server for deny rules; allow rules see only its host.
  const servers = spec.action === 'deny' ? named : named.map((t) => (s: McpServerRef) => t(s.loose === true ? { host: s.host } : s));
  const tools = patterns(spec.id, 'mcp.tools', m.tools, toolGlobProblem).map(compileToolGlob);
  let preds: ArgPredicate[];
  try {
    preds = (m.args ?? []).map((a, i) => compileMcpArg(a, `mcp.args[${i}]`));
  } catch (err) {
    if (err instanceof McpRuleError) throw new PolicyCompileError(spec.id, err.message);
    throw err;
  }
  const who: readonly WhoMatcher[] = compileWhoMatchers(spec);
  const forWho = (w: Who | null): boolean => who.every((x) => x.matches(w));
  const serverOk = (s: McpServerRef): boolean => servers.length === 0 || servers.some((t) => t(s));
  const toolOk = (t: string): boolean => tools.length === 0 || tools.some((g) => g(t));
  return {
    id: spec.id,
    index,
    action: spec.action ?? 'allow',
    mode: spec.mode ?? 'enforce',
    intent: spec.intent ?? null,
    conditional: preds.length > 0,
    forWho,
    targets: (s, t) => serverOk(s) && toolOk(t),
    matches: (s, t, a, w) => forWho(w) && serverOk(s) && toolOk(t) && preds.every((p) => p.test(a)),
    explain: (s, t, a, w) => {
      const why: string[] = [];
      if (!serverOk(s)) why.push(`server ${serverText(s)} not in ${listText(m.servers ?? [])}`);
      if (!toolOk(t)) why.push(`tool ${t} not in ${listText(m.tools ?? [])}`);
      for (const x of who) {
        const r = x.explain(w);
        if (r !== null) why.push(r);
      }
      for (const p of preds) {
        const r = p.explain(a);
        if (r !== null) why.push(r);
      }
      return why;
    },
    spec,
    approval: spec.action === 'approve' ? compileApproval(spec.id, spec.approval, approvals) : null,
  };
}

function patterns(id: string, where: string, list: readonly string[] | undefined, problem: (v: unknown) => string | null): readonly string[] {
  if (list === undefined) return [];
  const items: unknown = list;
  if (!Array.isArray(items) || items.length === 0) throw new PolicyCompileError(id, `${where}: expected a non-empty list; leave the key out to match any`);
  list.forEach((p, i) => {
    const why = problem(p);
    if (why !== null) throw new PolicyCompileError(id, `${where}[${i}]: ${why}`);
  });
  return list;
}

/** `tickets (mcp.tickets.example)`, or the host alone when the server has no configured name. */
export function serverText(s: McpServerRef): string {
  return s.name != null ? `${s.name} (${s.host})` : s.host;
}
