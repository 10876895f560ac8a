/**
 * JSON-RPC 2.0 as MCP speaks it: parse one payload (a single message or a batch)
 * into classified messages, or say precisely why it is not one. Never throws on
 * input: a gate that meets garbage denies with a reason, it does not crash.
 *
 * Bounded: the payload's size, the batch's length and the nesting depth are
 * checked before anything is built from them, so a hostile body costs a bounded
 * amount of work.
 *
 * @example
 * const r = parseJsonRpc('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"tickets.create"}}');
 * if (r.ok) r.messages[0]; // { kind: 'request', id: 1, method: 'tools/call', params: {...}, raw: {...} }
 * else r.code;             // 'invalid_json' | 'not_jsonrpc' | ...
 */

export type JsonRpcId = string | number;

/** A JSON-RPC message, classified. `raw` is the parsed object, for rewriting. */
export type JsonRpcMessage =
  | { kind: 'request'; id: JsonRpcId; method: string; params: unknown; raw: Record<string, unknown> }
  | { kind: 'notification'; method: string; params: unknown; raw: Record<string, unknown> }
  | { kind: 'result'; id: JsonRpcId | null; result: unknown; raw: Record<string, unknown> }
  | { kind: 'error'; id: JsonRpcId | null; error: JsonRpcErrorObject; raw: Record<string, unknown> };

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** Why a payload is not usable JSON-RPC. Stable: callers map them to deny reasons. */
export type JsonRpcProblem =
  | 'too_large'
  | 'invalid_utf8'
  | 'too_deep'
  | 'invalid_json'
  | 'empty_batch'
  | 'batch_too_long'
  | 'not_jsonrpc';

export type JsonRpcParseResult =
  | { ok: true; batch: boolean; messages: JsonRpcMessage[] }
  | { ok: false; code: JsonRpcProblem; message: string; /** Batch position of the bad message, when one is to blame. */ index?: number };

export interface JsonRpcLimits {
  /** Payload bytes (UTF-8) at most; default 4 MiB. */
  maxBytes?: number;
  /** Messages per batch at most; default 1000. */
  maxBatch?: number;
  /** Array/object nesting at most; default 64. */
  maxDepth?: number;
}

export const DEFAULT_JSONRPC_LIMITS: Readonly<Required<JsonRpcLimits>> = { maxBytes: 4 * 1024 * 1024, maxBatch: 1000, maxDepth: 64 };

/**
 * JSON-RPC error code Sluice answers a denied MCP request with. -32001 is in the
 * range JSON-RPC leaves to implementations (-32000 to -32099, "server error");
 * MCP itself uses -32002 (resource not found) and -32042 (URL elicitation), so
 * -32001 does not collide with a code an MCP client interprets.
 */
export const MCP_DENIED_CODE = -32001;

/** Standard JSON-RPC codes, for answering a malformed request. */
export const JSONRPC_PARSE_ERROR = -32700;
export const JSONRPC_INVALID_REQUEST = -32600;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parse a payload. A batch is valid only when every element is a valid message
 * (a gate cannot inspect half a batch), and the failing position is reported.
 *
 * @example
 * parseJsonRpc('[{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":"a","result":{}}]')
 * // { ok: true, batch: true, messages: [{ kind: 'notification', ... }, { kind: 'result', id: 'a', ... }] }
 * parseJsonRpc('{"id":1}') // { ok: false, code: 'not_jsonrpc', message: 'expected "jsonrpc": "2.0"' }
 */
export function parseJsonRpc(payload: Buffer | Uint8Array | string, limits: JsonRpcLimits = {}): JsonRpcParseResult {
  const lim = { ...DEFAULT_JSONRPC_LIMITS, ...limits };
  let text: string;
  if (typeof payload === 'string') {
    // A string's UTF-8 length is at least its length in UTF-16 units: test cheaply first.
    if (payload.length > lim.maxBytes || Buffer.byteLength(payload) > lim.maxBytes) return tooLarge(lim.maxBytes);
    text = payload.charCodeAt(0) === 0xfeff ? payload.slice(1) : payload;
  } else {
    if (payload.byteLength > lim.maxBytes) return tooLarge(lim.maxBytes);
    try {
      text = utf8.decode(payload);
    } catch {
      return { ok: false, code: 'invalid_utf8', message: 'the payload is not valid UTF-8' };
    }
  }
  const depth = nestingDepth(text, lim.maxDepth);
  if (depth > lim.maxDepth) return { ok: false, code: 'too_deep', message: `JSON nested deeper than ${lim.maxDepth} levels` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input; say where instead.
    return { ok: false, code: 'invalid_json', message: `not valid JSON${text.trim() === '' ? ' (empty payload)' : ''}` };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { ok: false, code: 'empty_batch', message: 'an empty batch ([]) is not a valid JSON-RPC payload' };
    if (value.length > lim.maxBatch) return { ok: false, code: 'batch_too_long', message: `batch of ${value.length} messages; at most ${lim.maxBatch}` };
    const messages: JsonRpcMessage[] = [];
    for (let i = 0; i < value.length; i++) {
      const m = classify(value[i]);
      if (typeof m === 'string') return { ok: false, code: 'not_jsonrpc', message: `batch message ${i}: ${m}`, index: i };
      messages.push(m);
    }
    return { ok: true, batch: true, messages };
  }
  const m = classify(value);
  if (typeof m === 'string') return { ok: false, code: 'not_jsonrpc', message: m };
  return { ok: true, batch: false, messages: [m] };
}

/**
 * Classify one parsed value, or say what is wrong with it.
 *
 * @example
 * classifyJsonRpc({ jsonrpc: '2.0', method: 'ping', id: 7 }).kind // 'request'
 * classifyJsonRpc({ jsonrpc: '2.0', id: 7 })                      // 'a response needs exactly one of "result" and "error"'
 */
export function classifyJsonRpc(value: unknown): JsonRpcMessage | string {
  return classify(value);
}

function classify(v: unknown): JsonRpcMessage | string {
  if (!isObject(v)) return `expected an object, got ${describe(v)}`;
  if (v.jsonrpc !== '2.0') return 'expected "jsonrpc": "2.0"';
  const hasId = Object.hasOwn(v, 'id');
  if (Object.hasOwn(v, 'method')) {
    if (typeof v.method !== 'string' || v.method === '') return '"method" must be a non-empty string';
    if (Object.hasOwn(v, 'result') || Object.hasOwn(v, 'error')) return 'a message cannot have both "method" and "result"/"error"';
    const params = v.params;
    if (params !== undefined && !isObject(params) && !Array.isArray(params)) return '"params" must be an object or an array';
    if (!hasId) return { kind: 'notification', method: v.method, params, raw: v };
    // MCP: "the ID MUST NOT be null" for requests.
    if (!isId(v.id)) return '"id" of a request must be a string or a number';
    return { kind: 'request', id: v.id, method: v.method, params, raw: v };
  }
  const hasResult = Object.hasOwn(v, 'result');
  const hasError = Object.hasOwn(v, 'error');
  if (hasResult === hasError) return 'a response needs exactly one of "result" and "error"';
  if (!hasId) return 'a response needs an "id"';
  const id = v.id;
  if (id !== null && !isId(id)) return '"id" of a response must be a string, a number or null';
  if (hasResult) return { kind: 'result', id, result: v.result, raw: v };
  const e = v.error;
  if (!isObject(e) || typeof e.code !== 'number' || !Number.isInteger(e.code) || typeof e.message !== 'string') {
    return '"error" must be an object with an integer "code" and a string "message"';
  }
  const error: JsonRpcErrorObject = Object.hasOwn(e, 'data') ? { code: e.code, message: e.message, data: e.data } : { code: e.code, message: e.message };
  return { kind: 'error', id, error, raw: v };
}

/**
 * What a deny looks like inside JSON-RPC: the same fields as the HTTP deny body
 * (DESIGN.md, "Contracts users rely on").
 */
export interface McpDenyData {
  error: string;
  reason: string;
  rule: string | null;
  decision_id: string;
}

/**
 * A JSON-RPC error response. For a deny, pass `MCP_DENIED_CODE` and the deny body
 * as `data` (or use `jsonRpcDeny`).
 *
 * @example
 * jsonRpcError(4, -32601, 'Method not found')
 * // { jsonrpc: '2.0', id: 4, error: { code: -32601, message: 'Method not found' } }
 */
export function jsonRpcError(id: JsonRpcId | null, code: number, message: string, data?: unknown): JsonRpcErrorResponse {
  const error: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', id, error };
}

export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

/**
 * The JSON-RPC answer to a denied MCP request: code -32001, the reason as the
 * message, and `data` mirroring the HTTP deny body so one parser reads both.
 *
 * @example
 * jsonRpcDeny(9, { error: 'policy_denied', reason: 'tool tickets.delete denied', rule: 'no-delete', decision_id: 'dec_1' })
 * // { jsonrpc: '2.0', id: 9, error: { code: -32001, message: 'tool tickets.delete denied',
 * //   data: { error: 'policy_denied', reason: 'tool tickets.delete denied', rule: 'no-delete', decision_id: 'dec_1' } } }
 */
export function jsonRpcDeny(id: JsonRpcId | null, deny: McpDenyData): JsonRpcErrorResponse {
  const data: McpDenyData = { error: deny.error, reason: deny.reason, rule: deny.rule, decision_id: deny.decision_id };
  return jsonRpcError(id, MCP_DENIED_CODE, deny.reason, data);
}

function tooLarge(max: number): JsonRpcParseResult {
  return { ok: false, code: 'too_large', message: `payload over ${max} bytes` };
}

/**
 * The deepest array/object nesting in `text`, counting only brackets outside
 * strings; stops counting once past `limit`. Linear, no allocation.
 */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): v is JsonRpcId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
