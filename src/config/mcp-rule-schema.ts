/**
 * `rules[].mcp`: the part of a rule that makes it an MCP tool rule. Every field is
 * checked by the same code the policy compiler runs (tool-patterns.ts,
 * arg-predicates.ts), so a rule that loads always compiles and every problem
 * points at its line.
 *
 * @example
 * mcpMatchSchema.parse({ servers: ['tickets'], tools: ['tickets.create'] });
 */
import * as z from 'zod';
import { McpRuleError } from '../inspect/mcp/arg-predicates.js';
import { compileMcpArg, NOT_FOR_TOOL_RULES } from '../policy/tool-rule.js';
import { serverPatternProblem, toolGlobProblem } from '../policy/tool-patterns.js';
import { parsedBy, strictSection } from './fields.js';
import { listOf } from './rule-fields.js';

function checkedBy(problem: (v: unknown) => string | null) {
  return parsedBy((v): string => {
    const why = problem(v);
    if (why !== null) throw new TypeError(why);
    return v as string;
  });
}

/** A tool-name glob: `*` within a dot segment, `**` across. */
export const toolGlobField = checkedBy(toolGlobProblem);

/** A host pattern or a server name (glob) from `mcp.servers`. */
export const serverPatternField = checkedBy(serverPatternProblem);

const ARG = 'arg';

/** One argument condition: `{ path: path, under: /workspace/ }`. */
const argSchema = strictSection({
  path: z.string(),
  equals: z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or true/false' }).optional(),
  in: listOf(z.union([z.string(), z.number()], { error: 'expected a string or a number' }), '[read, list]').optional(),
  starts_with: z.string().optional(),
  under: z.string().optional(),
  matches: z.string().optional(),
}).superRefine(
  (a, ctx) => {
    try {
      compileMcpArg(a, ARG);
    } catch (err) {
      if (!(err instanceof McpRuleError)) throw err;
      const key = err.field.slice(ARG.length).replace(/^\./, '');
      ctx.addIssue({ code: 'custom', path: key === '' ? [] : [key], message: err.problem });
    }
    // Only a condition whose keys all parsed: otherwise the key's own problem is the one to report.
  },
  { when: (payload) => payload.issues.length === 0 },
);

/**
 * `mcp: { servers?, tools?, args? }`; an absent list matches anything. `server: X` (one
 * pattern or a list) is accepted for `servers`, as the MCP issue spells it.
 */
export const mcpMatchSchema = strictSection({
  servers: listOf(serverPatternField, "[tickets, 'mcp.example.com']").optional(),
  server: z.union([serverPatternField, listOf(serverPatternField, "[tickets, 'mcp.example.com']")]).optional(),
  tools: listOf(toolGlobField, "['tickets.create', 'tickets.*']").optional(),
  args: listOf(argSchema, '[{ path: path, under: /workspace/ }]').optional(),
})
  .superRefine(
    (m, ctx) => {
      const raw = m as { server?: unknown; servers?: unknown } | null;
      if (raw?.server !== undefined && raw.servers !== undefined)
        ctx.addIssue({ code: 'custom', path: ['server'], message: "give 'servers' or 'server', not both" });
    },
    { when: () => true },
  )
  .transform((m) => {
    // An invalid section reaches here as it was written (its problems are already reported).
    if (typeof m !== 'object' || m === null) return m;
    const { server, ...rest } = m;
    return server === undefined ? rest : { ...rest, servers: typeof server === 'string' ? [server] : server };
  });

/**
 * The keys an MCP tool rule cannot have, each as an issue at that key.
 *
 * @example
 * toolRuleClashes({ id: 'x', mcp: {}, hosts: ['a.test'] }); // [{ key: 'hosts', message: "an MCP tool rule ..." }]
 */
export function toolRuleClashes(raw: Readonly<Record<string, unknown>>): { key: string; message: string }[] {
  if (raw.mcp === undefined) return [];
  return NOT_FOR_TOOL_RULES.filter((k) => raw[k] !== undefined).map((key) => ({
    key,
    message: `an MCP tool rule (one with 'mcp:') states only id, tenants, agents, labels, intent, action, mode, rate_limit and redact; '${key}' belongs on the MCP server's HTTP rule, which carries host and credential`,
  }));
}
