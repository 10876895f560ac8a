/**
 * The policy's data for MCP tool calls: what a tool rule and the `mcp:` section
 * say (as the config states them), what the gate knows about a call, and the
 * decision. Plain data, like types.ts, so decisions serialise as they are.
 */
import type { McpServerRef } from '../inspect/mcp/tool-glob.js';
import type { DecisionReason, Outcome, RuleAction, TraceEntry } from './types.js';
import type { ApprovalSpec } from './approval.js';

export type { McpServerRef } from '../inspect/mcp/tool-glob.js';

/**
 * One condition on a tool call's arguments, as the config writes it (semantics in
 * inspect/mcp/arg-predicates.ts): `path` names the argument (`path`,
 * `options.mode`, `files[0].name`); every test stated must hold.
 */
export interface McpArgSpec {
  path: string;
  equals?: string | number | boolean | undefined;
  in?: readonly (string | number)[] | undefined;
  starts_with?: string | undefined;
  /** A folder: the argument, resolved (`.`, `..`), must be inside it. */
  under?: string | undefined;
  matches?: string | undefined;
}

/**
 * `rules[].mcp`: makes the rule an MCP tool rule. Absent lists match anything, so
 * `mcp: {}` matches every tool on every server.
 */
export interface McpMatchSpec {
  /**
   * Globs over the server's host (like `hosts:`) or its name from `mcp.servers`;
   * a pattern that is exactly a configured name means that server only.
   */
  servers?: readonly string[] | undefined;
  /** Tool-name globs: `*` within a dot segment, `**` across. */
  tools?: readonly string[] | undefined;
  args?: readonly McpArgSpec[] | undefined;
}

/** `mcp.servers.NAME`: requests to these hosts (and paths) go to the server called NAME. */
export interface McpServerSpec {
  /** Absent: a server reached over stdio only (`sluice mcp --name NAME`); no HTTP request is ever this server. */
  hosts?: readonly string[] | undefined;
  paths?: readonly string[] | undefined;
}

export type PinningMode = 'enforce' | 'report' | 'off';
export type ChainMode = 'block' | 'warn' | 'off';

/** The config's `mcp:` section; every key optional (defaults in MCP_DEFAULTS). */
export interface McpSectionSpec {
  /** In the order written: the first server whose hosts and paths match names the request. */
  servers?: Readonly<Record<string, McpServerSpec>> | undefined;
  default?: RuleAction | undefined;
  pinning?: PinningMode | undefined;
  max_message_bytes?: number | undefined;
  chain?: ChainMode | undefined;
  scan_args_injection?: boolean | undefined;
}

/** The `mcp:` section's defaults, shared by the config schema and the compiler. */
export const MCP_DEFAULTS = {
  default: 'deny',
  pinning: 'enforce',
  max_message_bytes: 4 * 1024 * 1024,
  chain: 'block',
  scan_args_injection: true,
} as const satisfies Required<Omit<McpSectionSpec, 'servers'>>;

/** What the gate knows about one `tools/call`. */
export interface ToolCallFacts {
  server: McpServerRef;
  tool: string;
  /** The call's `arguments`, as parsed JSON. */
  args: unknown;
}

/** A tool call's decision; explains itself like Decision does. */
export interface ToolCallDecision {
  outcome: Outcome;
  /** The deciding MCP rule's id, or `default-deny` / `default-allow` (from `mcp.default`). */
  rule: string;
  reason: DecisionReason;
  policyVersion: string;
  /** The deciding rule's intent, else the tool's name. */
  intent: string;
  /** Report-mode deny rules that matched before the deciding rule. */
  wouldDeny: string[];
  /** Set when the outcome is `approve`: who approves and how. */
  approval?: ApprovalSpec | null;
}

/** `explainTool`: the decision and every MCP rule's part up to the deciding one. */
export interface ToolExplanation {
  decision: ToolCallDecision;
  /** MCP rules only, each with its position in `rules:`; all of them on a default. */
  trace: TraceEntry[];
}
