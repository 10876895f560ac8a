/**
 * The MCP fixture server: a Streamable HTTP endpoint (mounted on both fixture
 * upstreams, plain and TLS, for cases whose transport is `mcp_http`) and the message
 * handling the stdio fixture program (`fixture-mcp-stdio.ts`) shares. It answers by
 * the case's plan (`mcp-plan.ts`): the case's own server messages when asked for
 * them, normal answers otherwise.
 *
 * Over HTTP, a POST carries one JSON-RPC message (or a batch); the answer is JSON
 * (never an event stream: the runner compares answers byte for byte once parsed),
 * 202 when there is nothing to answer. `initialize` gets an `Mcp-Session-Id`
 * (`<case id>-<random>`), so the gate keeps each case's conversation apart. A GET
 * for the server's event stream is answered 405, as the transport allows.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BenchCase } from './case.js';
import { fixtureAnswer, idOf, isObject, mcpPlan, type Json, type JsonRpcId, type McpPlan } from './mcp-plan.js';

/** One JSON-RPC message that reached the fixture (what the runner counts). */
export interface McpArrival {
  id: JsonRpcId | null;
  method: string | null;
  /** `request`, `notification`, or `response` (a client's answer). */
  kind: 'request' | 'notification' | 'response' | 'unparsable';
}

/** True for a case the MCP fixture answers over HTTP. */
export function isMcpCase(c: BenchCase): boolean {
  return c.transport === 'mcp_http' || c.transport === 'mcp_stdio';
}

/** How one JSON-RPC message is counted. */
export function arrivalOf(m: Json): McpArrival {
  const method = typeof m.method === 'string' ? m.method : null;
  const id = idOf(m.id);
  return { id, method, kind: method === null ? 'response' : id === null ? 'notification' : 'request' };
}

/**
 * The messages of a POST body (single or batch) with their answers; null when the
 * body is not JSON.
 *
 * @example
 * answerPayload(plan, '{"jsonrpc":"2.0","id":1,"method":"ping"}') // { arrivals: [...], answers: [{ jsonrpc: '2.0', id: 1, result: {} }], batch: false }
 */
export function answerPayload(plan: McpPlan, text: string): { arrivals: McpArrival[]; answers: Json[]; batch: boolean } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const batch = Array.isArray(parsed);
  const list = (batch ? parsed : [parsed]) as unknown[];
  const arrivals: McpArrival[] = [];
  const answers: Json[] = [];
  for (const m of list) {
    if (!isObject(m)) continue;
    arrivals.push(arrivalOf(m));
    const a = fixtureAnswer(plan, m);
    if (a !== null) answers.push(a);
  }
  return { arrivals, answers, batch };
}

/** The MCP messages that reached the HTTP fixture, from the POST bodies it received. */
export function mcpArrivalsOf(requests: readonly { method: string; body: Buffer }[]): McpArrival[] {
  const out: McpArrival[] = [];
  for (const r of requests) {
    if (r.method !== 'POST') continue;
    try {
      const v = JSON.parse(r.body.toString('utf8')) as unknown;
      for (const m of Array.isArray(v) ? v : [v]) if (isObject(m)) out.push(arrivalOf(m));
    } catch {
      // not JSON: not an MCP message
    }
  }
  return out;
}

/**
 * Answer one HTTP request of an MCP case (the body already read). `mark` is the
 * fixture's header, set on every answer.
 */
export function answerMcpHttp(c: BenchCase, req: IncomingMessage, body: Buffer, res: ServerResponse, mark: Record<string, string>): void {
  const send = (status: number, payload: unknown, extra: Record<string, string> = {}): void => {
    const text = payload === undefined ? '' : JSON.stringify(payload);
    res.writeHead(status, { ...mark, ...extra, ...(text === '' ? {} : { 'content-type': 'application/json' }), 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  if (req.method === 'GET') return send(405, undefined, { allow: 'POST, DELETE' });
  if (req.method === 'DELETE') return send(200, undefined);
  if (req.method !== 'POST') return send(405, undefined, { allow: 'POST, DELETE' });
  let plan: McpPlan;
  try {
    plan = mcpPlan(c);
  } catch (err) {
    return send(500, { jsonrpc: '2.0', id: null, error: { code: -32603, message: `the case cannot be served: ${(err as Error).message}` } });
  }
  const got = answerPayload(plan, body.toString('utf8'));
  if (got === null) return send(400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
  if (got.answers.length === 0) return send(202, undefined);
  const init = got.arrivals.some((a) => a.method === 'initialize');
  const extra: Record<string, string> = init ? { 'mcp-session-id': `${c.id}-${randomBytes(6).toString('hex')}` } : {};
  send(200, got.batch ? got.answers : got.answers[0], extra);
}
