/**
 * The A2A fixture agent, mounted on both fixture upstreams for cases whose transport
 * is `a2a` (chosen by the `x-bench-case` header like every fixture answer):
 *
 * - JSON-RPC over HTTP POST: `message/send` is answered with a JSON result (a short
 *   agent Message), `message/stream` with an event stream of that one Message; any
 *   other method with JSON-RPC error -32601;
 * - the agent card at `/.well-known/agent-card.json` (and the older
 *   `/.well-known/agent.json`): the case's `payload.agent_card`, as written.
 *
 * The answers are pure functions of the case and the request, so the runner knows
 * what an unchanged answer looks like.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BenchCase } from './case.js';
import { idOf, isObject, type Json } from './mcp-plan.js';

export const CARD_PATHS = ['/.well-known/agent-card.json', '/.well-known/agent.json'];
export const STREAM_METHOD = 'message/stream';

/** True for a case the A2A fixture answers. */
export function isA2aCase(c: BenchCase): boolean {
  return c.transport === 'a2a';
}

/**
 * The fixture's answer to one JSON-RPC message (null for a notification).
 *
 * @example
 * a2aAnswer({ jsonrpc: '2.0', id: 'r1', method: 'message/send', params: {} })
 * // { jsonrpc: '2.0', id: 'r1', result: { kind: 'message', messageId: 'fixture-reply-r1', role: 'agent', parts: [{ kind: 'text', text: 'Done.' }] } }
 */
export function a2aAnswer(msg: Json): Json | null {
  const id = idOf(msg.id);
  if (typeof msg.method !== 'string' || id === null) return null;
  if (msg.method === 'message/send' || msg.method === STREAM_METHOD) {
    return {
      jsonrpc: '2.0',
      id,
      result: { kind: 'message', messageId: `fixture-reply-${String(id)}`, role: 'agent', parts: [{ kind: 'text', text: 'Done.' }] },
    };
  }
  return { jsonrpc: '2.0', id, error: { code: -32601, message: `the benchmark fixture does not implement ${msg.method}` } };
}

/** The case's agent card, or undefined when it has none. */
export function caseCard(c: BenchCase): unknown {
  return c.payload.agent_card;
}

/** Answer one HTTP request of an A2A case (the body already read); `mark` goes on every answer. */
export function answerA2aHttp(c: BenchCase, req: IncomingMessage, body: Buffer, res: ServerResponse, mark: Record<string, string>): void {
  const send = (status: number, type: string | null, text: string): void => {
    res.writeHead(status, { ...mark, ...(type ? { 'content-type': type } : {}), 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const path = (req.url ?? '/').split('?', 1)[0]!;
  if (req.method === 'GET' && CARD_PATHS.includes(path)) {
    const card = caseCard(c);
    if (card === undefined) return send(404, 'text/plain; charset=utf-8', 'no agent card for this case\n');
    return send(200, 'application/json', JSON.stringify(card));
  }
  if (req.method !== 'POST') return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
  let msg: unknown;
  try {
    msg = JSON.parse(body.toString('utf8'));
  } catch {
    return send(400, 'application/json', JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }));
  }
  if (!isObject(msg)) return send(400, 'application/json', JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } }));
  const answer = a2aAnswer(msg);
  if (answer === null) return send(202, null, '');
  if (msg.method === STREAM_METHOD && 'result' in answer) return send(200, 'text/event-stream', `data: ${JSON.stringify(answer)}\n\n`);
  send(200, 'application/json', JSON.stringify(answer));
}
