import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { buildRecord } from './audit-record.js';
import { openRecord, openRefusal } from './audit-open.js';
import { sendDeny } from './deny-response.js';
import { forward, type ForwardRequest } from './forward.js';
import { planResponseInspection } from './response-inspector.js';
import { scanPaceOf } from '../inspect/scan-pace.js';
import type { GateServices, GateState } from './gate-runtime.js';
import type { RequestContext } from './request-context.js';
import { admitAndDecide, newContext, recordFailure, resolveDestination } from './request-steps.js';
import { synthesize } from './synthesize.js';
import { tunnelOf } from './tunnel-context.js';
import { buildUpstreamRequest, hasBody } from './upstream-request.js';
import { answerMcp, mcpCandidate, once, wantsEventStream } from './mcp/answer.js';
import { intakeMcp, type McpIntake } from './mcp/intake.js';
import { a2aResponse } from './a2a/response.js';
import { isAgentCardPath } from '../inspect/a2a/index.js';
import type { BodyInspector } from './response-inspector.js';
import { mcpResponse } from './mcp/response.js';
import { Cut } from './live-exchanges.js';
import { decodedForScrub } from './scrub-decoding.js';

/**
 * The request pipeline: identify → classify → decide → (respond | route → rewrite →
 * inject → forward), with one audit record written when the exchange ends, whatever
 * happened. Each step lives in its own file; this one only orders them.
 */
export async function handleRequest(
  gate: GateServices,
  req: IncomingMessage,
  res: ServerResponse,
  expectContinue: boolean,
): Promise<void> {
  const state = gate.state();
  const tunnel = tunnelOf(req.socket);
  const ctx = newContext(req, res, tunnel, state);
  res.once('close', () => {
    try {
      gate.audit.write(buildRecord(ctx));
    } catch (err) {
      gate.logger.error({ err, decision_id: ctx.decisionId }, 'audit write failed');
    }
  });

  try {
    const decision = await admitAndDecide(gate, state, ctx);
    gate.limits?.admit(ctx);
    const cut = holdExchange(gate, ctx);
    gate.limits?.track(ctx, cut);
    await openRecord(gate, state, ctx);

    if (decision.respond) {
      synthesize(ctx, decision.respond);
      return;
    }
    // MCP is recognised by its body, so the body is read (bounded) before anything is dialled.
    const mcpBody = expectContinue && mcpCandidate(req) ? (res.writeContinue(), true) : false;
    const intake = await intakeMcp(gate, state, ctx);
    if (intake.kind === 'reply') {
      answerMcp(ctx, intake.payload, intake.refusal);
      return;
    }
    const dest = await destination(gate, state, ctx, decision.route);
    const readAhead = intake.kind === 'forward' ? once(intake.body) : intake.body;
    const up = await buildUpstreamRequest(gate, ctx, decision, dest, readAhead);
    ctx.credential = up.credential;
    ctx.rewritten = up.rewritten;
    if (intake.kind === 'forward' && up.headers['content-length'] !== undefined) up.headers['content-length'] = String(intake.body.length);
    if (intake.kind === 'forward' && intake.protocol === 'mcp' && intake.rewritten) delete up.headers['content-encoding'];
    const limits = { maxDecompressedBytes: state.inspect.max_decompressed_bytes, maxRatio: state.inspect.max_decompression_ratio };
    const inspect = decodedForScrub(protocolInspection(gate, state, ctx, intake), up.scrub.length > 0, req.method ?? 'GET', limits);

    if (expectContinue && !mcpBody) res.writeContinue();
    await forward(ctx, dest.pool, {
      method: req.method ?? 'GET',
      path: up.path,
      headers: up.headers,
      servername: dest.servername,
      body: up.body,
      scrub: up.scrub,
      inspect,
      cut,
    });
  } catch (thrown) {
    const f = recordFailure(gate, ctx, thrown);
    openRefusal(gate, ctx);
    if (expectContinue || hasBody(req)) {
      // The agent may still be sending a body we will never read: close after answering.
      res.shouldKeepAlive = false;
    }
    sendDeny(res, { error: f.error, reason: f.reason, rule: f.rule ?? ctx.decision?.rule ?? null, decision_id: ctx.decisionId }, f.headers);
  }
}

/**
 * The exchange lives as long as its identity: registered until the response closes, so
 * expiry or revocation aborts it (upload and download) with the identity's reason.
 */
function holdExchange(gate: GateServices, ctx: RequestContext): Cut {
  const cut = new Cut();
  if (!ctx.principal) return cut;
  const release = gate.exchanges.hold(ctx.principal, {
    end: (why) => {
      if (!cut.fire(why)) {
        // Before forwarding starts (the MCP intake reading the body ahead, DNS), an
        // upload still arriving is ended here; forward() refuses to start once fired.
        if (!ctx.req.complete) ctx.req.destroy(why);
        return;
      }
      // Already streaming to the agent: cut it now, not when the abort comes back, so
      // nothing more leaves once `sluice revoke` has been told this gate applied it.
      if (ctx.res.headersSent && !ctx.res.writableFinished && !ctx.res.destroyed) {
        ctx.outcome = 'deny';
        ctx.reason = ctx.error = why.reason;
        ctx.res.destroy();
      }
    },
  });
  // An agent that left while it was being identified has already had its 'close'.
  if (ctx.res.destroyed || ctx.req.socket.destroyed) release();
  else ctx.res.once('close', release);
  return cut;
}

/** Where the request goes, and the keep-alive pool that reaches exactly that vetted address. */
async function destination(gate: GateServices, state: GateState, ctx: RequestContext, routeName: string | null) {
  const d = await resolveDestination(state, ctx, routeName);
  return {
    pool: gate.pools.get(d.scheme, d.address, d.family, d.port, d.servername, d.route),
    servername: d.servername,
    hostHeader: d.hostHeader,
    pathPrefix: d.pathPrefix,
  };
}

/**
 * How the response is read: as MCP (a guarded conversation, or an event stream that may
 * be one), as A2A (an answer to an A2A request, or an agent card), or plainly.
 */
function protocolInspection(gate: GateServices, state: GateState, ctx: RequestContext, intake: McpIntake): ForwardRequest['inspect'] {
  const plain = responseInspection(state, ctx);
  const fallback = (s: number, h: IncomingHttpHeaders): BodyInspector | null => plain?.(s, h) ?? null;
  if (intake.kind === 'forward' && intake.protocol === 'a2a') return (s, h) => a2aResponse(gate, state, ctx, 'message', fallback, s, h);
  if (ctx.req.method === 'GET' && isAgentCardPath(ctx.target)) {
    ctx.protocol = { name: 'a2a', server: ctx.hostText, tool: 'agent-card' };
    return (s, h) => a2aResponse(gate, state, ctx, 'card', fallback, s, h);
  }
  const channel = intake.kind === 'forward' ? intake.channel : null;
  if (channel || wantsEventStream(ctx.req)) return (s, h) => mcpResponse(gate, state, ctx, channel, fallback, s, h);
  return plain;
}

/** Response inspection for this request: the rule's `inspect.injection`, else the config's. */
function responseInspection(state: GateState, ctx: RequestContext): ForwardRequest['inspect'] {
  const action = ctx.decision?.inspect?.injection ?? state.inspect.injection;
  if (action === 'off') return null;
  const method = ctx.req.method ?? 'GET';
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
      pace: scanPaceOf(ctx, i.scan_budget_ms),
    });
}
