/**
 * Recognising MCP inside JSON-RPC, and reading the few message shapes the gate
 * acts on (tools/call params, tools/list results). MCP is JSON-RPC 2.0 whose
 * methods come from a known set; a JSON-RPC body with an MCP method is treated
 * as MCP whatever the URL, because a server can mount MCP anywhere.
 *
 * @example
 * isMcpPayload('application/json', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}') // true
 * isMcpPayload('application/json', '{"jsonrpc":"2.0","id":1,"method":"eth_call"}')   // false
 */
import { foldKey } from '../json-strict.js';
import { isObject, parseJsonRpc } from './jsonrpc.js';
import type { JsonRpcLimits, JsonRpcMessage } from './jsonrpc.js';
import { SseParser } from './sse.js';

/** Request methods defined by MCP (2024-11-05 through 2025-06-18). Notifications are all `notifications/*`. */
export const MCP_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'sampling/createMessage',
  'roots/list',
  'elicitation/create',
]);

/**
 * True for an MCP method name: a known request method or any `notifications/...`.
 *
 * @example
 * isMcpMethod('notifications/tools/list_changed') // true
 */
export function isMcpMethod(method: string): boolean {
  return MCP_METHODS.has(method) || (method.startsWith('notifications/') && method.length > 14);
}

/**
 * Heuristic: is this request or response body MCP? JSON bodies (a JSON or absent
 * content type) must parse as JSON-RPC with at least one MCP method; an
 * event-stream body must carry such a message in one of its events. Responses
 * alone carry no method, so the gate learns a response is MCP from its request.
 *
 * @example
 * isMcpPayload('text/event-stream', 'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\n') // true
 */
export function isMcpPayload(contentType: string | undefined, body: Buffer | Uint8Array | string, limits?: JsonRpcLimits): boolean {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'text/event-stream') {
    try {
      const parser = new SseParser();
      const events = [...parser.push(body), ...parser.end()];
      return events.some((e) => e.data !== undefined && hasMcpMethod(parseJsonRpc(e.data, limits)));
    } catch {
      return false;
    }
  }
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) return false;
  return hasMcpMethod(parseJsonRpc(body, limits));
}

function hasMcpMethod(r: ReturnType<typeof parseJsonRpc>): boolean {
  return r.ok && r.messages.some((m) => (m.kind === 'request' || m.kind === 'notification') && isMcpMethod(m.method));
}

/** A tools/call request's tool and arguments. */
export interface ToolCall {
  name: string;
  /** The `arguments` object; `{}` when absent. */
  args: Record<string, unknown>;
}

/**
 * The tool call a message makes, null when it is not a tools/call, or a string
 * saying why its params are malformed (deny it: the upstream would guess).
 *
 * @example
 * readToolCall(msg) // { name: 'tickets.create', args: { title: 'x' } }
 */
export function readToolCall(m: JsonRpcMessage): ToolCall | string | null {
  if ((m.kind !== 'request' && m.kind !== 'notification') || m.method !== 'tools/call') return null;
  const p = m.params;
  if (!isObject(p)) return 'tools/call needs params with a "name"';
  // A case-insensitive server (Go's encoding/json) would take `Name` or `ARGUMENTS` for these.
  if (Object.keys(p).some((k) => k !== 'name' && k !== 'arguments' && (foldKey(k) === 'name' || foldKey(k) === 'arguments'))) {
    return 'tools/call params have a member spelled like "name" or "arguments" in another case';
  }
  if (typeof p.name !== 'string' || p.name === '') return 'tools/call params.name must be a non-empty string';
  // A server in C (or a log line) cuts a name at NUL or a line break: the policy would judge another name.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p.name)) return 'tools/call params.name contains a control character';
  const a = p.arguments;
  if (a !== undefined && a !== null && !isObject(a)) return 'tools/call params.arguments must be an object';
  return { name: p.name, args: isObject(a) ? a : {} };
}

/**
 * The `tools` array of a tools/list result, or null when the result has none.
 *
 * @example
 * readToolList({ tools: [{ name: 'a' }] }) // [{ name: 'a' }]
 */
export function readToolList(result: unknown): unknown[] | null {
  return isObject(result) && Array.isArray(result.tools) ? result.tools : null;
}
