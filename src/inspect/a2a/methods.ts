/**
 * A2A (Agent-to-Agent protocol) as seen on the wire: its JSON-RPC method names,
 * in the three generations an agent may speak (v1.0 `SendMessage`, v0.3
 * `message/send`, pre-0.2 `tasks/send`), which of them carry a message or
 * answer with a stream or an agent card, and where agent cards are published.
 *
 * @example
 * isA2aMethod('message/send')                     // true
 * isA2aStreamingMethod('SendStreamingMessage')    // true
 * isAgentCardPath('/.well-known/agent-card.json') // true
 */
import { jsonRpcError } from '../mcp/jsonrpc.js';
import type { JsonRpcErrorResponse, JsonRpcId, McpDenyData } from '../mcp/jsonrpc.js';

/** Methods whose params carry a `message` with `parts` (DLP and injection scanned). */
export const A2A_MESSAGE_METHODS: readonly string[] = [
  'message/send',
  'message/stream',
  'SendMessage',
  'SendStreamingMessage',
  'tasks/send',
  'tasks/sendSubscribe',
];

/** Methods answered with an SSE stream of JSON-RPC responses. */
export const A2A_STREAMING_METHODS: readonly string[] = [
  'message/stream',
  'SendStreamingMessage',
  'tasks/resubscribe',
  'SubscribeToTask',
  'tasks/sendSubscribe',
];

/** Methods whose result is an agent card (the authenticated, extended one). */
export const A2A_CARD_METHODS: readonly string[] = ['agent/getAuthenticatedExtendedCard', 'GetExtendedAgentCard'];

/** Every A2A JSON-RPC method: v0.3, v1.0, and the pre-0.2 names still in use. */
export const A2A_METHODS: readonly string[] = [
  ...new Set([
    ...A2A_MESSAGE_METHODS,
    ...A2A_STREAMING_METHODS,
    ...A2A_CARD_METHODS,
    // v0.3
    'tasks/get',
    'tasks/list',
    'tasks/cancel',
    'tasks/pushNotificationConfig/set',
    'tasks/pushNotificationConfig/get',
    'tasks/pushNotificationConfig/list',
    'tasks/pushNotificationConfig/delete',
    // v1.0
    'GetTask',
    'ListTasks',
    'CancelTask',
    'CreateTaskPushNotificationConfig',
    'GetTaskPushNotificationConfig',
    'ListTaskPushNotificationConfigs',
    'DeleteTaskPushNotificationConfig',
    // before 0.2
    'tasks/pushNotification/set',
    'tasks/pushNotification/get',
  ]),
];

const ALL = new Set(A2A_METHODS);
const MESSAGE = new Set(A2A_MESSAGE_METHODS);
const STREAMING = new Set(A2A_STREAMING_METHODS);
const CARD = new Set(A2A_CARD_METHODS);

/**
 * Whether `method` is an A2A JSON-RPC method (case-sensitive, as JSON-RPC is).
 *
 * @example
 * isA2aMethod('tasks/get') // true
 * isA2aMethod('tools/call') // false
 */
export function isA2aMethod(method: string): boolean {
  return ALL.has(method);
}

/**
 * Whether the method's params carry a message to scan.
 *
 * @example
 * isA2aMessageMethod('SendMessage') // true
 */
export function isA2aMessageMethod(method: string): boolean {
  return MESSAGE.has(method);
}

/**
 * Whether the method is answered with an SSE stream (each event a JSON-RPC response).
 *
 * @example
 * isA2aStreamingMethod('message/stream') // true
 */
export function isA2aStreamingMethod(method: string): boolean {
  return STREAMING.has(method);
}

/**
 * Whether the method's result is an agent card, to be scanned with `scanAgentCard`.
 *
 * @example
 * isAgentCardMethod('agent/getAuthenticatedExtendedCard') // true
 */
export function isAgentCardMethod(method: string): boolean {
  return CARD.has(method);
}

// `u`: case folding, so the Kelvin sign (which lower-cases to `k`) matches as it would after toLowerCase.
const WELL_KNOWN = /\.well-known/iu;
const CARD_PATHS = new Set(['/.well-known/agent.json', '/.well-known/agent-card.json']);

/**
 * Whether a request path (query and fragment ignored) fetches an agent card:
 * `/.well-known/agent-card.json` (v0.3 and later) or `/.well-known/agent.json`
 * (before). Compared after percent-decoding, case-insensitively and with a
 * trailing slash tolerated, so a spelling the server may still answer does not
 * get past the card scan.
 *
 * @example
 * isAgentCardPath('/.well-known/agent.json?v=2')  // true
 * isAgentCardPath('/.WELL-KNOWN/agent%2Dcard.json') // true
 * isAgentCardPath('/agent.json')                   // false
 */
export function isAgentCardPath(path: string): boolean {
  // Without '%' decoding changes nothing, and lower-casing and collapsing slashes cannot
  // make `.well-known` appear: most paths are answered here without any copy.
  if (!path.includes('%') && !WELL_KNOWN.test(path)) return false;
  let p = path.split(/[?#]/, 1)[0] ?? '';
  try {
    p = decodeURIComponent(p);
  } catch {
    return false;
  }
  p = p.toLowerCase().replace(/\/+/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return CARD_PATHS.has(p);
}

/**
 * JSON-RPC error code for a request Sluice denies on an A2A endpoint. Not the
 * MCP code (-32001): in A2A, -32001 is TaskNotFoundError, which an A2A client
 * would act on. -32000 is the generic JSON-RPC server error, left unused by
 * A2A (its own codes start at -32001).
 */
export const A2A_DENIED_CODE = -32000;

/**
 * The JSON-RPC answer to a denied A2A request: the deny body as `data`, as
 * `jsonRpcDeny` does for MCP, under `A2A_DENIED_CODE`.
 *
 * @example
 * a2aJsonRpcDeny('req-1', { error: 'dlp_blocked', reason: 'aws_access_key_id in a2a.message:parts[0].text', rule: null, decision_id: 'dec_1' })
 * // { jsonrpc: '2.0', id: 'req-1', error: { code: -32000, message: 'aws_access_key_id in ...', data: { error: 'dlp_blocked', ... } } }
 */
export function a2aJsonRpcDeny(id: JsonRpcId | null, deny: McpDenyData): JsonRpcErrorResponse {
  const data: McpDenyData = { error: deny.error, reason: deny.reason, rule: deny.rule, decision_id: deny.decision_id };
  return jsonRpcError(id, A2A_DENIED_CODE, deny.reason, data);
}
