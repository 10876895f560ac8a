/**
 * MCP: the transport-neutral guard (tool calls decided, arguments and results
 * inspected, tools pinned), its per-connection channels, and the stdio wrapper.
 *
 * @example
 * import { McpGuard, wrapStdio } from './mcp/index.js';
 * const guard = new McpGuard({ env: () => mcpEnv, pins, audit: (r) => trail.write(r), onError: (err) => log.error({ err }) });
 */
export { McpGuard } from './guard.js';
export type { ClientStep, McpGuardDeps, MessageMeta, ServerStep } from './guard.js';
export { McpChannel, MAX_PENDING } from './channel.js';
export type { BlockedTool, PendingRequest } from './channel.js';
export type { ChainDetector, ChannelInfo, McpEnv, McpPolicyView, McpSettings, ToolVerdict } from './types.js';
export { EnvelopeScanner, envelopeOf } from './stdio/envelope.js';
export type { Envelope } from './stdio/envelope.js';
export { watchRevocation } from './stdio/revocation.js';
export { SERVER_NAME, serverNameFor } from './stdio/server-name.js';
export { openStdioServices } from './stdio/services.js';
export type { StdioServices } from './stdio/services.js';
export { wrapStdio } from './stdio/wrap.js';
export type { StdioWrapOptions } from './stdio/wrap.js';
export { buildMcpEnv } from './env.js';
