/**
 * Inspection, with no sockets and no I/O: DLP (patterns, known secrets, decoded
 * layers, streaming body windows), prompt-injection scanners, safe decompression,
 * body sniffing, and the MCP and A2A message scanners. What the proxy and the MCP
 * guard use is here; the scanners' inner parts stay in their files.
 *
 * @example
 * import { DlpScanner, scanToolCallArgs } from './inspect/index.js';
 * const findings = scanToolCallArgs({ note: 'key AKIAIOSFODNN7EXAMPLE' }, new DlpScanner());
 * findings[0]?.action; // 'block'
 */
export { auditFinding, strongestAction } from './finding.js';
export type { Finding, FindingAction } from './finding.js';
export { ByteQueue } from './byte-queue.js';
export { createSafeDecompressor, DecompressionBombError, DecompressionError } from './decompress.js';
export type { SafeDecompressOptions, SafeDecompressor } from './decompress.js';
export { foldKey } from './json-strict.js';
export { QuotedPrintable } from './quoted-printable.js';
export { DEFAULT_SCAN_BUDGET_MS, ScanBudgetError, ScanPace, SLICE_BYTES, scanPaceOf, slices } from './scan-pace.js';
export { SNIFF_BYTES, sniffBody } from './sniff.js';
export type { Sniffed } from './sniff.js';
export { TextRuns } from './text-runs.js';

// DLP.
export { DlpScanner } from './dlp/scanner.js';
export type { DlpOptions } from './dlp/scanner.js';
export { KnownSecrets } from './dlp/known-secrets.js';
export type { KnownSecret } from './dlp/known-secrets.js';
export { MessageWindow, WINDOW_BYTES } from './dlp/message-window.js';
export { FORWARD_HOLD_BACK, SCAN_LIMIT } from './dlp/body-scanner.js';
export { INCOMPLETE } from './dlp/engine.js';
export { toByteString } from './dlp/decode.js';

// Prompt injection.
export { InjectionScanner } from './injection/scanner.js';
export type { InjectionScannerOptions } from './injection/scanner.js';
export type { ResponseScanner } from './injection/response-scanner.js';
export { InjectionStripError, stripInjections } from './injection/strip.js';
export type { InjectionFinding } from './injection/types.js';

// MCP messages (JSON-RPC, SSE, tool lists and calls, pins, argument predicates).
export { isObject, jsonRpcDeny, jsonRpcError, parseJsonRpc } from './mcp/jsonrpc.js';
export type { JsonRpcId, JsonRpcMessage, JsonRpcParseResult, McpDenyData } from './mcp/jsonrpc.js';
export { isMcpMethod, readToolCall, readToolList } from './mcp/messages.js';
export { recogniseJsonRpc, unreadableReason } from './mcp/recognise.js';
export type { Recognised } from './mcp/recognise.js';
export { couldBeJson, JsonRpcMention, mentionsJsonRpc } from './mcp/rpc-markers.js';
export { serializeSseEvent, SseLimitError, SseParser } from './mcp/sse.js';
export type { SseEvent } from './mcp/sse.js';
export { filterToolList, scanToolCallArgs, scanToolList, scanToolResult } from './mcp/tool-inspect.js';
export { compileArgPredicate, McpRuleError } from './mcp/arg-predicates.js';
export type { ArgPredicate, ArgPredicateSpec } from './mcp/arg-predicates.js';
export { compileServerPattern, compileToolGlob } from './mcp/tool-glob.js';
export type { McpServerRef } from './mcp/tool-glob.js';
export { comparePins } from './mcp/pins.js';
export { ChainTracker } from './mcp/chain-tracker.js';
export { scanShellArgs } from './mcp/shell-obfuscation.js';

// A2A.
export * from './a2a/index.js';
export { buildDlp, settle } from './dlp/dlp-setup.js';
export type { DlpSetup } from './dlp/dlp-setup.js';
