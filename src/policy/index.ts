/**
 * The policy module: compile rules once, then `decide` (fast, indexed) or
 * `explain` (every rule, every reason) for HTTP requests, and `decideTool`,
 * `explainTool`, `isToolListed` for MCP tool calls. Pure: no I/O anywhere below.
 *
 * @example
 * import { compilePolicy, decide, decideTool, mcpServerFor } from './policy/index.js';
 * const policy = compilePolicy(config.rules, version, config.routes, config.mcp);
 * const d = decide(facts, principal, policy);
 * const t = decideTool({ server: mcpServerFor(host, path, policy), tool: 'tickets.create', args }, principal, policy);
 */
export { compilePolicy, PolicyCompileError } from './compile.js';
export type { CompiledPolicy, CompiledRule } from './compile.js';
export { decide } from './decide.js';
export { explain } from './explain.js';
export { decideTool, isToolListed, buildToolDecision } from './decide-tool.js';
export { explainTool } from './explain-tool.js';
export { mcpServerFor, compileMcpServers } from './mcp-servers.js';
export type { CompiledMcpServer } from './mcp-servers.js';
export type { CompiledMcpPolicy } from './compile-mcp.js';
export { compileToolRule, compileMcpArg, argPredicateSpec, serverText, NOT_FOR_TOOL_RULES } from './tool-rule.js';
export type { CompiledToolRule } from './tool-rule.js';
export { toolGlobProblem, serverPatternProblem } from './tool-patterns.js';
export { compileWhoMatchers } from './who-matchers.js';
export type { WhoMatcher } from './who-matchers.js';
export { MCP_DEFAULTS } from './tool-types.js';
export type {
  ChainMode,
  McpArgSpec,
  McpMatchSpec,
  McpSectionSpec,
  McpServerRef,
  McpServerSpec,
  PinningMode,
  ToolCallDecision,
  ToolCallFacts,
  ToolExplanation,
} from './tool-types.js';
export { checkCase } from './check-case.js';
export type { CaseExpectation, CaseResult } from './check-case.js';
export { HostIndex } from './host-index.js';
export { explainCredential, explainHeaders, explainRespond, placeholderFor, CREDENTIAL_FORMS, SECRET_TEMPLATE } from './actions.js';
export { MATCHER_KINDS, MATCHER_KIND_BY_TYPE } from './matcher-kinds.js';
export type { Matcher, MatcherKind, MatcherType, PreparedFacts } from './matcher.js';
export { prepareFacts } from './matcher.js';
export { compilePathGlob, pathPatternProblem } from './path-glob.js';
export { normaliseRequestPath } from './request-path.js';
export { parsePortSpec } from './port-range.js';
export { compileNameGlob } from './name-glob.js';
export { DEFAULT_DENY_RULE, DEFAULT_ALLOW_RULE } from './types.js';
export type {
  CredentialInput,
  CredentialSpec,
  Decision,
  DecisionReason,
  Explanation,
  HeaderRewrite,
  Outcome,
  PlaceholderLocation,
  RequestFacts,
  RespondSpec,
  RuleAction,
  RuleMode,
  RuleSpec,
  TraceEntry,
  Who,
} from './types.js';
