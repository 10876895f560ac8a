/**
 * A2A (Agent-to-Agent protocol) building blocks, with no sockets: method names
 * and agent-card paths, DLP and injection over outbound messages, injection
 * over results and streams, strict scanning and pinning of agent cards. The
 * JSON-RPC framing (parseJsonRpc) and SSE parsing are MCP's, shared.
 *
 * @example
 * import { isA2aMethod, scanA2aRequest, scanA2aResult, scanAgentCard, agentCardPinTools } from './inspect/a2a/index.js';
 */
export {
  A2A_METHODS,
  A2A_MESSAGE_METHODS,
  A2A_STREAMING_METHODS,
  A2A_CARD_METHODS,
  A2A_DENIED_CODE,
  isA2aMethod,
  isA2aMessageMethod,
  isA2aStreamingMethod,
  isAgentCardMethod,
  isAgentCardPath,
  a2aJsonRpcDeny,
} from './methods.js';
export { scanA2aRequest } from './request-scan.js';
export type { A2aRequestScanOptions, A2aRequestLike } from './request-scan.js';
export { scanA2aResult, A2aStreamScanner } from './result-scan.js';
export type { A2aResultScanOptions } from './result-scan.js';
export { scanAgentCard, agentCardProblems, looksLikeAgentCard, parseAgentCard, DEFAULT_MAX_CARD_BYTES } from './agent-card.js';
export type { AgentCardScanOptions, AgentCardParse } from './agent-card.js';
export { agentCardPinTools, agentCardFingerprints, compareAgentCardPins, CARD_PIN_FIELDS, SKILL_PIN_FIELDS, CARD_PIN_NAME } from './card-pins.js';
export type { A2aPinTool, A2aPinTools } from './card-pins.js';
export { messageProblems } from './parts.js';
export { DEFAULT_MAX_INLINE_CHARS } from './inline-file.js';
export type { A2aScanLimits } from './walk.js';
