/**
 * JSON-RPC 2.0 as MCP speaks it: parse one payload (a single message or a batch)
 * into classified messages, or say precisely why it is not one. Never throws on
 * input: a gate that meets garbage denies with a reason, it does not crash.
 *
 * Strict: the payload is read by the one strict JSON reader (json-strict.ts), so
 * what a lenient receiver could read differently (invalid UTF-8, a BOM, a lone
 * surrogate, a duplicate or case-variant key, an over-precise number, trailing
 * bytes, nesting past the limit) is a problem here, never a different message.
 * A member spelled like a JSON-RPC member in another case (`Method`) is one too.
 * Bounded: size, batch length and depth are checked before anything is built.
 *
 * @example
 * const r = parseJsonRpc('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"tickets.create"}}');
 * if (r.ok) r.messages[0]; // { kind: 'request', id: 1, method: 'tools/call', params: {...}, raw: {...} }
 * else r.code;             // 'invalid_json' | 'not_jsonrpc' | ...
 */

import { foldKey, readJsonStrict, type StrictJsonProblem } from '../json-strict.js';
import { JSONRPC_INVALID_REQUEST, JSONRPC_PARSE_ERROR, JSONRPC_REFUSED, REFUSALS, type RefusalCode } from '../../refusals.js';

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
export type JsonRpcProblem = StrictJsonProblem | 'empty_batch' | 'batch_too_long' | 'not_jsonrpc';

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
 * JSON-RPC error code Sluice answers most refused MCP requests with (the refusal
 * table, src/refusals.ts, binds each refusal to its code). -32001 is in the range
 * JSON-RPC leaves to implementations (-32000 to -32099, "server error"); MCP itself
 * uses -32002 (resource not found) and -32042 (URL elicitation), so -32001 does not
 * collide with a code an MCP client interprets.
 */
export const MCP_DENIED_CODE = JSONRPC_REFUSED;

/** Standard JSON-RPC codes, for answering a malformed request. */
export { JSONRPC_PARSE_ERROR, JSONRPC_INVALID_REQUEST };

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
  const read = readJsonStrict(payload, lim);
  if (!read.ok)
    return { ok: false, code: read.code, message: read.message === 'not valid JSON' && isBlank(payload) ? 'not valid JSON (empty payload)' : read.message };
  return classifyPayload(read.value, lim.maxBatch);
}

/**
 * A parsed payload as JSON-RPC: one message or a non-empty batch of them.
 *
 * @example
 * classifyPayload([], 1000) // { ok: false, code: 'empty_batch', ... }
 */
export function classifyPayload(value: unknown, maxBatch: number = DEFAULT_JSONRPC_LIMITS.maxBatch): JsonRpcParseResult {
  if (Array.isArray(value)) {
    if (value.length === 0) return { ok: false, code: 'empty_batch', message: 'an empty batch ([]) is not a valid JSON-RPC payload' };
    if (value.length > maxBatch) return { ok: false, code: 'batch_too_long', message: `batch of ${value.length} messages; at most ${maxBatch}` };
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
  for (const k of Object.keys(v)) {
    const f = foldKey(k);
    // A case-insensitive reader (Go's encoding/json) takes `Method` for `method`.
    if (f !== k && MEMBERS.has(f)) return `a member is spelled like the JSON-RPC member "${f}" in another case`;
  }
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
  error: RefusalCode;
  reason: string;
  rule: string | null;
  decision_id: string;
  /** A human approval's id, expiry and diff (state/approval-answer.ts), when one is needed. */
  approval?: unknown;
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
 * The JSON-RPC answer to a denied MCP request: the refusal's code from the refusal
 * table (-32001 for most), the reason as the message, and `data` mirroring the HTTP
 * deny body so one parser reads both.
 *
 * @example
 * jsonRpcDeny(9, { error: 'policy_denied', reason: 'tool tickets.delete denied', rule: 'no-delete', decision_id: 'dec_1' })
 * // { jsonrpc: '2.0', id: 9, error: { code: -32001, message: 'tool tickets.delete denied',
 * //   data: { error: 'policy_denied', reason: 'tool tickets.delete denied', rule: 'no-delete', decision_id: 'dec_1' } } }
 */
export function jsonRpcDeny(id: JsonRpcId | null, deny: McpDenyData): JsonRpcErrorResponse {
  const data: McpDenyData = { error: deny.error, reason: deny.reason, rule: deny.rule, decision_id: deny.decision_id };
  if (deny.approval !== undefined) data.approval = deny.approval;
  return jsonRpcError(id, REFUSALS[deny.error].jsonRpc, deny.reason, data);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const MEMBERS: ReadonlySet<string> = new Set(['jsonrpc', 'id', 'method', 'params', 'result', 'error']);

function isBlank(p: Buffer | Uint8Array | string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = typeof p === 'string' ? p.charCodeAt(i) : p[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

function isId(v: unknown): v is JsonRpcId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
