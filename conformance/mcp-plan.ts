/**
 * How an MCP case (`payload.jsonrpc_messages`) becomes a real conversation, and what
 * the fixture server answers in it. Pure: the runner (to send and to know what an
 * unchanged answer looks like) and the fixture (HTTP and stdio, to answer) share it.
 *
 * A case's messages are read in order:
 * - a message with a `method` is the client's (an agent's `tools/call`, ...): the
 *   runner sends it as written; the fixture answers a request normally (a benign
 *   `ok <tool>` text result for `tools/call`);
 * - a message with `result` or `error` is the server's: the fixture answers with it,
 *   as written, the request the runner sends to draw it out: `tools/list` when the
 *   result has a `tools` array (a tool definition case), else `tools/call` of the
 *   fixture tool `get_result` (a tool result case), both with the message's own id.
 *   When an earlier client request has the same id, the message is that request's
 *   answer and nothing extra is sent.
 *
 * Every conversation starts as an MCP client's does: `initialize`, the
 * `notifications/initialized` notification, and, when the case calls tools,
 * `tools/list` (the fixture lists the tools the case calls, with plain descriptions).
 *
 * @example
 * const plan = mcpPlan(c);
 * plan.steps[0] // { kind: 'client', id: 1, method: 'tools/call', message: {...}, expected: { jsonrpc: '2.0', id: 1, result: {...} } }
 */
import type { BenchCase } from './case.js';

export type JsonRpcId = string | number;
export type Json = Record<string, unknown>;

/** A message of the case, in order, with what the runner sends for it and expects back. */
export type McpStep =
  | {
      kind: 'client';
      message: Json;
      id: JsonRpcId | null;
      method: string;
      /** The fixture's answer (null for a notification). */
      expected: Json | null;
    }
  | {
      kind: 'server';
      message: Json;
      id: JsonRpcId;
      /** The request that draws the message out of the fixture; null when a client step of the case asks for it. */
      request: Json | null;
      /** A tools/list result (a tool definition case). */
      listsTools: boolean;
    };

export interface McpPlan {
  caseId: string;
  /** initialize, notifications/initialized, and tools/list when the case calls tools. */
  handshake: { message: Json; expected: Json | null }[];
  steps: McpStep[];
  /** What the fixture's own tools/list shows. */
  tools: Json[];
}

export const PROTOCOL_VERSION = '2025-06-18';
export const INIT_ID = 'bench-initialize';
export const LIST_ID = 'bench-tools-list';
/** The fixture tool whose tools/call draws out a tool-result case's payload. */
export const RESULT_TOOL = 'get_result';

export const SERVER_INFO = { name: 'sluice-bench-fixture', version: '1.0.0' };

/** The fixture's answer to `initialize`. */
export function initializeResult(): Json {
  return { protocolVersion: PROTOCOL_VERSION, capabilities: { tools: { listChanged: false } }, serverInfo: SERVER_INFO };
}

/**
 * The conversation for an MCP case. Throws on a payload the runner cannot send
 * (no messages, a message that is neither a client's nor a server's, a server
 * message without an id, an id the handshake uses).
 */
export function mcpPlan(c: BenchCase): McpPlan {
  const raw = c.payload.jsonrpc_messages;
  if (!Array.isArray(raw) || raw.length === 0) throw new Error('payload.jsonrpc_messages: expected a non-empty array');
  const steps: McpStep[] = [];
  const askedIds = new Map<string, number>();
  raw.forEach((m: unknown, i) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new Error(`jsonrpc_messages[${i}]: expected an object`);
    const msg = m as Json;
    const id = idOf(msg.id);
    if (id !== null && (id === INIT_ID || id === LIST_ID)) throw new Error(`jsonrpc_messages[${i}]: id ${JSON.stringify(id)} is the runner's own`);
    if (typeof msg.method === 'string') {
      steps.push({ kind: 'client', message: msg, id, method: msg.method, expected: null });
      if (id !== null) askedIds.set(key(id), steps.length - 1);
      return;
    }
    if (!('result' in msg) && !('error' in msg)) throw new Error(`jsonrpc_messages[${i}]: neither a request (method) nor a response (result or error)`);
    if (id === null) throw new Error(`jsonrpc_messages[${i}]: a server message needs an id to be asked for`);
    const listsTools = isObject(msg.result) && Array.isArray(msg.result.tools);
    const asked = askedIds.get(key(id));
    if (asked !== undefined) {
      steps.push({ kind: 'server', message: msg, id, request: null, listsTools });
      return;
    }
    const request: Json = listsTools
      ? { jsonrpc: '2.0', id, method: 'tools/list' }
      : { jsonrpc: '2.0', id, method: 'tools/call', params: { name: RESULT_TOOL, arguments: {} } };
    steps.push({ kind: 'server', message: msg, id, request, listsTools });
  });
  const plan: McpPlan = { caseId: c.id, handshake: [], steps, tools: [] };
  plan.tools = fixtureTools(steps);
  for (const s of steps) if (s.kind === 'client' && s.id !== null) s.expected = fixtureAnswer(plan, s.message);
  plan.handshake.push({
    message: {
      jsonrpc: '2.0',
      id: INIT_ID,
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'sluice-bench-runner', version: '1.0.0' } },
    },
    expected: null,
  });
  plan.handshake.push({ message: { jsonrpc: '2.0', method: 'notifications/initialized' }, expected: null });
  if (plan.tools.length > 0) plan.handshake.push({ message: { jsonrpc: '2.0', id: LIST_ID, method: 'tools/list' }, expected: null });
  for (const h of plan.handshake) h.expected = fixtureAnswer(plan, h.message);
  return plan;
}

/**
 * What the fixture answers to a message: the case's server message with the
 * request's id when there is one, else a normal answer; null for a notification
 * or a response (nothing to answer).
 *
 * @example
 * fixtureAnswer(plan, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'read_file' } })
 * // { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'ok read_file' }] } }
 */
export function fixtureAnswer(plan: Pick<McpPlan, 'steps' | 'tools'>, msg: Json): Json | null {
  const id = idOf(msg.id);
  if (typeof msg.method !== 'string' || id === null) return null;
  const scripted = plan.steps.find((s) => s.kind === 'server' && key(s.id) === key(id) && (s.request === null || s.request.method === msg.method));
  if (scripted) return scripted.message;
  const ok = (result: unknown): Json => ({ jsonrpc: '2.0', id, result });
  switch (msg.method) {
    case 'initialize':
      return ok(initializeResult());
    case 'ping':
      return ok({});
    case 'tools/list':
      return ok({ tools: plan.tools });
    case 'tools/call': {
      const name = isObject(msg.params) && typeof msg.params.name === 'string' ? msg.params.name : '?';
      return ok({ content: [{ type: 'text', text: `ok ${name}` }] });
    }
    default:
      return { jsonrpc: '2.0', id, error: { code: -32601, message: `the benchmark fixture does not implement ${msg.method}` } };
  }
}

/** The tools the case calls (and the result tool), with plain definitions. */
function fixtureTools(steps: readonly McpStep[]): Json[] {
  const names: string[] = [];
  for (const s of steps) {
    let name: string | null = null;
    const m = s.kind === 'client' ? s.message : s.request;
    if (m && m.method === 'tools/call' && isObject(m.params) && typeof m.params.name === 'string') name = m.params.name;
    if (name !== null && !names.includes(name)) names.push(name);
  }
  return names.map((name) => ({ name, description: `Benchmark fixture tool ${name}.`, inputSchema: { type: 'object' } }));
}

/** A JSON-RPC id, or null when absent or not a string or number. */
export function idOf(v: unknown): JsonRpcId | null {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) ? v : null;
}

/** Map key for an id (a string id and a number id never collide). */
export function key(id: JsonRpcId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep equality of parsed JSON (key order ignored), for "arrived unchanged".
 *
 * @example
 * sameJson({ a: 1, b: [2] }, { b: [2], a: 1 }) // true
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
  }
  return false;
}
