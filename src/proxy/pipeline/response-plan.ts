/**
 * How a response is read, from its head: as MCP (a guarded conversation, or an event
 * stream that may be one), as A2A (an answer to an A2A request, or an agent card), or
 * plainly with the decision's injection setting, or, under a rule with `redact:`, as a
 * partial result (partial-result.ts). Used by the send step.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isAgentCardPath } from '../../inspect/a2a/index.js';
import { scanPaceOf } from '../../inspect/scan-pace.js';
import { a2aResponse } from '../a2a/response.js';
import type { ForwardRequest } from '../forward.js';
import { wantsEventStream } from '../mcp/answer.js';
import { mcpResponse } from '../mcp/response.js';
import { partialResult } from '../partial-result.js';
import { planResponseInspection, type BodyInspector } from '../response-inspector.js';
import type { Exchange } from './exchange.js';

export function responsePlan(x: Exchange): ForwardRequest['inspect'] {
  const { gate, state } = x;
  const plain = plainInspection(x);
  const fallback = (s: number, h: IncomingHttpHeaders): BodyInspector | null => plain?.(s, h) ?? null;
  const intake = x.intake;
  // A rule with `redact:` (partial-result.ts): its response is redacted, or refused.
  const redact = state.redactions.get(x.decision!.rule);
  if (redact !== undefined) {
    const card = x.req.method === 'GET' && isAgentCardPath(x.target);
    const protocol = intake?.kind === 'forward' ? intake.protocol.toUpperCase() : card ? 'A2A agent card' : null;
    return (s, h) => partialResult(x, redact, protocol, s, h);
  }
  if (intake?.kind === 'forward' && intake.protocol === 'a2a') return (s, h) => a2aResponse(gate, state, x, 'message', fallback, s, h);
  if (x.req.method === 'GET' && isAgentCardPath(x.target)) {
    x.protocol = { name: 'a2a', server: x.hostText, tool: 'agent-card' };
    return (s, h) => a2aResponse(gate, state, x, 'card', fallback, s, h);
  }
  const channel = intake?.kind === 'forward' ? intake.channel : null;
  if (channel || wantsEventStream(x.req)) return (s, h) => mcpResponse(gate, state, x, channel, fallback, s, h);
  return plain;
}

/** Prompt-injection scanning of a plain response, as the decision's profile says. */
function plainInspection(x: Exchange): ForwardRequest['inspect'] {
  const action = x.decision!.profile.injection;
  if (action === 'off') return null;
  const method = x.req.method ?? 'GET';
  const state = x.state;
  const i = state.inspect;
  return (status, headers) =>
    planResponseInspection(method, status, headers, {
      scanner: state.injection,
      action,
      holdBytes: i.response_hold_bytes,
      maxDecompressedBytes: i.max_decompressed_bytes,
      maxRatio: i.max_decompression_ratio,
      maxScanBytes: i.max_response_scan_bytes,
      holdMs: i.response_hold_ms,
      pace: scanPaceOf(x, i.scan_budget_ms),
    });
}
