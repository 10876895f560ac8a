/**
 * Send an MCP case through the gate as an MCP client would, and report every answer.
 * The conversation (handshake, then the case's messages, each server message drawn
 * out by the request that asks for it) comes from `mcp-plan.ts`; this file carries it.
 *
 * `mcp_http` (here): Streamable HTTP. Each message is a POST of JSON to the case's
 * endpoint, `https://<case id>.mcp.bench.example/mcp` by default (the gate routes every
 * https name to the TLS fixture), through undici's ProxyAgent: CONNECT and TLS
 * trusting the gate's CA for https://, absolute form (`proxyTunnel: false`) for
 * http://. Headers as the MCP SDK sends them: `Accept: application/json,
 * text/event-stream`, and after `initialize` the `Mcp-Session-Id` the server gave and
 * `Mcp-Protocol-Version`. An answer is read from a JSON body or from an event stream.
 *
 * `mcp_stdio` (`send-mcp-stdio.ts`): the same conversation over the stdin and stdout
 * of `sluice mcp -- node fixture-mcp-stdio.js`.
 */
import { ProxyAgent, request as undiciRequest } from 'undici';
import { CASE_HEADER } from './fixtures.js';
import type { McpArrival } from './fixtures-mcp.js';
import { idOf, isObject, key, PROTOCOL_VERSION, type Json, type McpPlan } from './mcp-plan.js';
import { describe, type GateTarget } from './send-http.js';

/** One message the runner sent (or, for a server message a case step asked for, nothing) and what came back. */
export interface McpExchange {
  /** `handshake`, or the index of the case step. */
  at: 'handshake' | number;
  sent: Json | null;
  /** The JSON-RPC answer to `sent` (matched by id). */
  answer?: Json;
  /** Over HTTP: the response that carried (or refused) it. */
  http?: HttpSeen;
  /** No answer, and why (timeout, the process exited, transport failure). */
  failure?: string;
}

/** What the runner saw on one MCP case. */
export interface McpObservation {
  transport: 'mcp_http' | 'mcp_stdio';
  client: 'undici' | 'stdio';
  /** The endpoint (HTTP) or command line (stdio). */
  target: string;
  exchanges: McpExchange[];
  /** The messages that reached the fixture (filled in by the caller for HTTP). */
  arrivals: McpArrival[];
  /** stdio: how the `sluice mcp` process ended, and the tail of its stderr. */
  process?: { code: number | null; signal: string | null; stderr: string };
  /** Messages that came back unasked (stdio). */
  unsolicited?: Json[];
  /** The conversation could not be held at all (the process did not start, ...). */
  error?: string;
}

const TIMEOUT_MS = 15_000;
const MAX_BODY = 1024 * 1024;

const labels = new Map<string, string>();

/**
 * The endpoint for a case: its own host (so the gate keeps each case's conversation,
 * pins and audit records apart), under the benchmark's reserved domain. The label
 * is `case-<n>`, numbered in the order cases are first seen in this run: the case id
 * itself would be a long label, which hostname exfiltration scanning rightly flags.
 *
 * @example
 * caseEndpoint('mcp-input-dlp-001', 'mcp', 'https') // 'https://case-1.mcp.bench.example/mcp' (first case of the run)
 */
export function caseEndpoint(caseId: string, kind: 'mcp' | 'a2a', scheme: 'http' | 'https' = 'https'): string {
  let label = labels.get(caseId);
  if (label === undefined) {
    label = `case-${labels.size + 1}`;
    labels.set(caseId, label);
  }
  return `${scheme}://${label}.${kind}.bench.example/${kind}`;
}

/** The messages the runner sends, in order: the handshake, then each case step's (null: nothing to send). */
export function outgoing(plan: McpPlan): { at: McpExchange['at']; message: Json | null }[] {
  return [
    ...plan.handshake.map((h) => ({ at: 'handshake' as const, message: h.message })),
    ...plan.steps.map((s, i) => ({ at: i, message: s.kind === 'client' ? s.message : s.request })),
  ];
}

/** A ProxyAgent through the gate for `url`: CONNECT for https://, absolute form for http://. */
export function gateAgent(gate: GateTarget, url: string): ProxyAgent {
  return new ProxyAgent({
    uri: `http://sluice:${gate.token}@127.0.0.1:${gate.port}`,
    requestTls: { ca: gate.caPem },
    proxyTunnel: !url.toLowerCase().startsWith('http:'),
  });
}

/**
 * Hold the case's conversation over Streamable HTTP through the gate. Stops after
 * the handshake when `initialize` gets no answer (nothing else would mean anything).
 */
export async function sendMcpHttp(gate: GateTarget, plan: McpPlan, url: string): Promise<McpObservation> {
  const obs: McpObservation = { transport: 'mcp_http', client: 'undici', target: url, exchanges: [], arrivals: [] };
  const agent = gateAgent(gate, url);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', [CASE_HEADER]: plan.caseId };
  try {
    for (const o of outgoing(plan)) {
      if (o.message === null) {
        obs.exchanges.push({ at: o.at, sent: null });
        continue;
      }
      const ex = await post(agent, url, headers, o.message);
      obs.exchanges.push({ at: o.at, ...ex });
      if (o.message.method === 'initialize') {
        if (ex.answer === undefined || !('result' in ex.answer)) break;
        const sid = ex.http?.headers['mcp-session-id'];
        if (sid !== undefined) headers['mcp-session-id'] = sid;
        headers['mcp-protocol-version'] = PROTOCOL_VERSION;
      }
    }
  } finally {
    await agent.close().catch(() => undefined);
  }
  return obs;
}

async function post(agent: ProxyAgent, url: string, headers: Record<string, string>, message: Json): Promise<Omit<McpExchange, 'at'>> {
  const got = await fetchVia(agent, url, 'POST', headers, JSON.stringify(message));
  if (got.http === undefined) return { sent: message, failure: got.failure };
  const id = idOf(message.id);
  const answer = id === null || got.http.status >= 300 ? undefined : answerIn(got.http.headers['content-type'] ?? '', got.http.body, id);
  return { sent: message, http: got.http, ...(answer !== undefined ? { answer } : {}) };
}

/** The HTTP part of an exchange: status, headers (lower-case), body (first MiB), and `cut` when it ended early. */
export interface HttpSeen {
  status: number;
  headers: Record<string, string>;
  body: string;
  cut?: string;
}

/**
 * One request through `agent`; the response read to the end, or why there was none.
 *
 * @example
 * const got = await fetchVia(gateAgent(gate, url), url, 'GET', { accept: 'application/json' }, undefined);
 */
export async function fetchVia(
  agent: ProxyAgent,
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: string | undefined,
): Promise<{ http: HttpSeen; failure?: undefined } | { http?: undefined; failure: string }> {
  try {
    const res = await undiciRequest(url, { dispatcher: agent, method, headers, body, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    const chunks: Buffer[] = [];
    let size = 0;
    let cut: string | undefined;
    try {
      for await (const c of res.body as AsyncIterable<Buffer>) {
        if (size < MAX_BODY) chunks.push(c);
        size += c.length;
      }
    } catch (err) {
      cut = describe(err);
    }
    return { http: { status: res.statusCode, headers: h, body: Buffer.concat(chunks).toString('utf8'), ...(cut !== undefined ? { cut } : {}) } };
  } catch (err) {
    return { failure: describe(err) };
  }
}

/**
 * The JSON-RPC answer with `id` in an HTTP body: a JSON message or batch, or the
 * `data` of an event-stream event.
 *
 * @example
 * answerIn('text/event-stream', 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n', 1) // { jsonrpc: '2.0', id: 1, result: {} }
 */
export function answerIn(contentType: string, body: string, id: string | number): Json | undefined {
  const candidates = contentType.toLowerCase().startsWith('text/event-stream') ? sseData(body).map(parse) : [parse(body)];
  for (const c of candidates.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]))) {
    if (isObject(c) && typeof c.method !== 'string' && idOf(c.id) !== null && key(idOf(c.id)!) === key(id)) return c;
  }
  return undefined;
}

/**
 * The `data` of each event in an event-stream body (multi-line data joined by newlines).
 *
 * @example
 * sseData('data: a\n\nevent: x\ndata: b\ndata: c\n\n') // ['a', 'b\nc']
 */
export function sseData(body: string): string[] {
  const out: string[] = [];
  for (const event of body.replace(/\r\n?/g, '\n').split('\n\n')) {
    const lines = event.split('\n').filter((l) => l.startsWith('data:'));
    if (lines.length > 0) out.push(lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n'));
  }
  return out;
}

/** JSON.parse, or undefined for text that is not JSON. */
export function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
