/**
 * The MCP half of a compiled policy: tool rules in order, the `mcp:` section's
 * settings with defaults applied, and the named servers. Compiled once per load,
 * beside the HTTP rules.
 */
import { compileMcpServers, type CompiledMcpServer } from './mcp-servers.js';
import { compileToolRule, type CompiledToolRule } from './tool-rule.js';
import { MCP_DEFAULTS, type ChainMode, type McpSectionSpec, type PinningMode } from './tool-types.js';
import type { RuleAction, RuleSpec } from './types.js';
import { DEFAULT_APPROVAL_SETTINGS, type ApprovalSettings } from './approval.js';

export interface CompiledMcpPolicy {
  /** Rules with `mcp:`, in policy order. */
  readonly rules: readonly CompiledToolRule[];
  /** What a tool call no MCP rule matches gets. */
  readonly default: RuleAction;
  /** `mcp.servers`, in the order written. */
  readonly servers: readonly CompiledMcpServer[];
  /** Rug-pull guard: a tool whose description or schema changes after it was first seen. */
  readonly pinning: PinningMode;
  /** A JSON-RPC message larger than this is refused. */
  readonly maxMessageBytes: number;
  /** Tool-call chain detection. */
  readonly chain: ChainMode;
  /** Scan tool-call arguments for prompt injection. */
  readonly scanArgsInjection: boolean;
}

/**
 * @param rules the MCP tool rules with their positions in `rules:`.
 * @example
 * compileMcpPolicy([{ spec: { id: 't', mcp: { tools: ['tickets.*'] } }, index: 0 }], { default: 'deny' }).rules[0]?.id; // 't'
 */
export function compileMcpPolicy(
  rules: readonly { spec: RuleSpec; index: number }[],
  section: McpSectionSpec = {},
  approvals: ApprovalSettings = DEFAULT_APPROVAL_SETTINGS,
): CompiledMcpPolicy {
  const servers = compileMcpServers(section.servers);
  const names = new Set(servers.map((s) => s.name));
  return {
    rules: rules.map(({ spec, index }) => compileToolRule(spec, index, names, approvals)),
    default: section.default ?? MCP_DEFAULTS.default,
    servers,
    pinning: section.pinning ?? MCP_DEFAULTS.pinning,
    maxMessageBytes: section.max_message_bytes ?? MCP_DEFAULTS.max_message_bytes,
    chain: section.chain ?? MCP_DEFAULTS.chain,
    scanArgsInjection: section.scan_args_injection ?? MCP_DEFAULTS.scan_args_injection,
  };
}
