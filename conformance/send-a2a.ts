/**
 * Send an A2A case through the gate as an agent would, to the A2A fixture agent
 * (`fixtures-a2a.ts`), at the case's own host `https://<case id>.a2a.bench.example`
 * (the gate routes every https name to the TLS fixture, through interception):
 *
 * - `a2a_message`: each of `payload.jsonrpc_messages` as a JSON-RPC POST to `/a2a`
 *   (`Accept: text/event-stream` for `message/stream`, else `application/json`);
 * - `a2a_agent_card`: a GET of `/.well-known/agent-card.json`, the card's
 *   well-known URL, which the fixture answers with `payload.agent_card`.
 *
 * Through undici's ProxyAgent with the runner's token, like `send-mcp.ts`.
 */
import type { BenchCase } from './case.js';
import { CARD_PATHS, STREAM_METHOD } from './fixtures-a2a.js';
import { CASE_HEADER } from './fixtures.js';
import { isObject, type Json } from './mcp-plan.js';
import type { GateTarget } from './send-http.js';
import { caseEndpoint, fetchVia, gateAgent, type HttpSeen } from './send-mcp.js';

/** One request of an A2A case and what came back. */
export interface A2aExchange {
  /** The JSON-RPC message POSTed; null for the card GET. */
  sent: Json | null;
  url: string;
  http?: HttpSeen;
  failure?: string;
}

export interface A2aObservation {
  kind: 'message' | 'card';
  exchanges: A2aExchange[];
}

/** The A2A case's requests: its messages, or the card GET. Throws on a payload the runner cannot send. */
export function a2aRequests(c: BenchCase, scheme: 'http' | 'https' = 'https'): { kind: A2aObservation['kind']; url: string; messages: Json[] } {
  const base = caseEndpoint(c.id, 'a2a', scheme);
  if (c.input_type === 'a2a_agent_card') {
    if (!isObject(c.payload.agent_card)) throw new Error('payload.agent_card: expected an object');
    return { kind: 'card', url: new URL(CARD_PATHS[0]!, base).href, messages: [] };
  }
  const raw = c.payload.jsonrpc_messages;
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every(isObject)) throw new Error('payload.jsonrpc_messages: expected a non-empty array of objects');
  return { kind: 'message', url: base, messages: raw };
}

/**
 * Send the case's requests through the gate, one after the other.
 *
 * @example
 * const obs = await sendA2aCase(gate, c);
 */
export async function sendA2aCase(gate: GateTarget, c: BenchCase, scheme: 'http' | 'https' = 'https'): Promise<A2aObservation> {
  const req = a2aRequests(c, scheme);
  const agent = gateAgent(gate, req.url);
  const obs: A2aObservation = { kind: req.kind, exchanges: [] };
  try {
    if (req.kind === 'card') {
      const got = await fetchVia(agent, req.url, 'GET', { accept: 'application/json', [CASE_HEADER]: c.id }, undefined);
      obs.exchanges.push({ sent: null, url: req.url, ...got });
      return obs;
    }
    for (const m of req.messages) {
      const accept = m.method === STREAM_METHOD ? 'text/event-stream' : 'application/json';
      const got = await fetchVia(agent, req.url, 'POST', { 'content-type': 'application/json', accept, [CASE_HEADER]: c.id }, JSON.stringify(m));
      obs.exchanges.push({ sent: m, url: req.url, ...got });
    }
    return obs;
  } finally {
    await agent.close().catch(() => undefined);
  }
}
