/**
 * MCP building blocks, with no sockets: JSON-RPC and SSE framing, tool policy,
 * inspection of arguments (obfuscated shell commands too), tool lists and
 * results, and tool fingerprints. The HTTP proxy and the stdio wrapper both
 * compose these.
 *
 * @example
 * import { parseJsonRpc, readToolCall, decideTool, scanToolCallArgs, jsonRpcDeny } from './inspect/mcp/index.js';
 */
export {
  parseJsonRpc,
  classifyJsonRpc,
  jsonRpcError,
  jsonRpcDeny,
  MCP_DENIED_CODE,
  JSONRPC_PARSE_ERROR,
  JSONRPC_INVALID_REQUEST,
  DEFAULT_JSONRPC_LIMITS,
} from './jsonrpc.js';
export type {
  JsonRpcId,
  JsonRpcMessage,
  JsonRpcErrorObject,
  JsonRpcErrorResponse,
  JsonRpcProblem,
  JsonRpcParseResult,
  JsonRpcLimits,
  McpDenyData,
} from './jsonrpc.js';
export { MCP_METHODS, isMcpMethod, isMcpPayload, readToolCall, readToolList } from './messages.js';
export type { ToolCall } from './messages.js';
export { SseParser, SseLimitError, serializeSseEvent, DEFAULT_MAX_EVENT_BYTES } from './sse.js';
export type { SseEvent, SseParserOptions } from './sse.js';
export { compileToolGlob, compileServerPattern } from './tool-glob.js';
export type { GlobMatcher, McpServerRef } from './tool-glob.js';
export { compileArgPredicate, parseArgPath, normalisePath, McpRuleError } from './arg-predicates.js';
export type { ArgPredicate, ArgPredicateSpec } from './arg-predicates.js';
export { scanToolCallArgs, scanToolList, scanToolResult, filterToolList, toolLabel } from './tool-inspect.js';
export type { ArgScanOptions, McpScanLimits, FilteredToolList, DlpTextScanner, InjectionTextScanner } from './tool-inspect.js';
export { walkJsonStrings, renderPath } from './json-walk.js';
export type { WalkOptions, WalkResult, WalkedString, PathSeg } from './json-walk.js';
export { canonicalJson, toolFingerprint, fingerprintTools, comparePins, FINGERPRINT_FIELDS, MAX_TOOL_NAME } from './pins.js';
export type { ToolHashes, PinComparison } from './pins.js';
export { ChainTracker, CHAIN_PATTERNS, DEFAULT_CHAIN_OPTIONS } from './chain-tracker.js';
export type { ChainPattern, ChainAction, ChainTrackerOptions } from './chain-tracker.js';
export { classifyToolCall } from './chain-classify.js';
export type { ChainToolCall, CallClassification } from './chain-classify.js';
export type { ChainCapability } from './chain-facts.js';
export { scanShellArgs, shellObfuscations, SHELL_TECHNIQUES } from './shell-obfuscation.js';
export type { ShellTechnique } from './shell-obfuscation.js';
