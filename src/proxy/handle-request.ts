import type { IncomingMessage, ServerResponse } from 'node:http';
import { newDecisionId } from '../audit/decision-id.js';
import { decide } from '../policy/decide.js';
import { buildRecord } from './audit-record.js';
import { classifyTarget } from './classify-target.js';
import { sendDeny } from './deny-response.js';
import { mapFailure, Rejection } from './errors-map.js';
import { forward, type ForwardRequest } from './forward.js';
import { planResponseInspection, ResponseBlockedError } from './response-inspector.js';
import type { GateServices, GateState } from './gate-runtime.js';
import { identify } from './identify.js';
import { inspectHostname } from './inspect-request.js';
import { IdentityError } from '../identity/errors.js';
import type { RequestContext } from './request-context.js';
import { synthesize } from './synthesize.js';
import { tunnelOf } from './tunnel-context.js';
import { buildUpstreamRequest, credentialRejection, hasBody } from './upstream-request.js';

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
    ctx.principal = await identify(gate, req, tunnel);
    classifyTarget(ctx);
    inspectHostname(state.dlp, ctx);
    const host = ctx.host!;
    // An IP literal is checked before policy: `http://0x7f.1/` is an SSRF attempt
    // whatever the rules say, and needs no DNS to know it.
    if (host.kind === 'ip') ctx.address = state.resolver.vet(ctx.hostText, host.ip, ctx.port).address;

    const decision = decide(
      { scheme: ctx.scheme, host: ctx.hostText, port: ctx.port, method: req.method ?? 'GET', path: ctx.target },
      ctx.principal,
      state.policy,
    );
    ctx.decision = decision;
    if (decision.outcome === 'deny') throw new Rejection(403, 'policy_denied', denyReason(ctx), decision.rule);
    if (decision.wouldDeny.length > 0) ctx.outcome = 'would_deny';

    if (decision.respond) {
      synthesize(ctx, decision.respond);
      return;
    }
    const dest = await destination(gate, state, ctx, decision.route);
    const up = buildUpstreamRequest(gate, ctx, decision, dest);
    ctx.credential = up.credential;
    ctx.rewritten = up.rewritten;

    if (expectContinue) res.writeContinue();
    await forward(ctx, dest.pool, {
      method: req.method ?? 'GET',
      path: up.path,
      headers: up.headers,
      servername: dest.servername,
      body: up.body,
      scrub: up.scrub,
      inspect: responseInspection(state, ctx),
    });
  } catch (thrown) {
    if (thrown instanceof IdentityError && thrown.principal) ctx.principal = thrown.principal;
    if (thrown instanceof ResponseBlockedError) ctx.findings.push(...thrown.findings.filter((f) => !ctx.findings.includes(f)));
    const err = credentialRejection(thrown, ctx.decision?.rule ?? null);
    const f = mapFailure(err);
    ctx.outcome = f.outcome;
    // A policy deny records why the policy said no (`no_rule_matched`, `rule_deny`);
    // every other refusal records its contract error (`ssrf_blocked`, `bad_host`, ...).
    ctx.reason = f.error === 'policy_denied' && ctx.decision ? ctx.decision.reason : f.error;
    if (f.outcome === 'error') ctx.error = f.code;
    if (f.status >= 500) gate.logger.warn({ decision_id: ctx.decisionId, code: f.code, host: ctx.hostText }, f.reason);
    if (expectContinue || hasBody(req)) {
      // The agent may still be sending a body we will never read: close after answering.
      res.shouldKeepAlive = false;
    }
    sendDeny(res, f.status, { error: f.error, reason: f.reason, rule: f.rule ?? ctx.decision?.rule ?? null, decision_id: ctx.decisionId }, f.headers);
  }
}

/** Where the request goes: the vetted address of the host it names, or a named private route. */
async function destination(gate: GateServices, state: GateState, ctx: RequestContext, routeName: string | null) {
  if (routeName === null) {
    const host = ctx.host!;
    const vetted = await state.resolver.resolve(host, ctx.port);
    ctx.address = vetted.address;
    const servername = host.kind === 'name' ? host.name : null;
    return {
      pool: gate.pools.get(ctx.scheme, vetted.address, vetted.family, ctx.port, servername),
      servername,
      hostHeader: hostHeader(ctx),
      pathPrefix: '',
    };
  }
  const route = state.routes.get(routeName);
  if (!route) throw new Rejection(502, 'upstream_failed', `route '${routeName}' is not defined`, ctx.decision?.rule ?? null);
  ctx.route = route.name;
  // A route is the operator's explicit opt-in to a private address, for this rule only.
  const vetted = await state.routeResolver.resolve(route.host, route.port);
  ctx.address = vetted.address;
  return {
    pool: gate.pools.get(route.scheme, vetted.address, vetted.family, route.port, route.servername, {
      name: route.name,
      secureContext: route.secureContext,
    }),
    servername: route.servername,
    hostHeader: route.hostHeader,
    pathPrefix: route.basePath,
  };
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
    });
}

function newContext(req: IncomingMessage, res: ServerResponse, tunnel: RequestContext['tunnel'], state: GateState): RequestContext {
  return {
    decisionId: newDecisionId(),
    time: new Date().toISOString(),
    startNs: process.hrtime.bigint(),
    req,
    res,
    tunnel,
    transport: tunnel ? 'intercept' : 'http',
    principal: null,
    scheme: tunnel ? 'https' : 'http',
    host: undefined,
    hostText: '',
    port: 0,
    target: req.url ?? '',
    decision: undefined,
    address: null,
    bytesIn: 0,
    bytesOut: 0,
    findings: [],
    outcome: undefined,
    reason: undefined,
    error: null,
    policyVersion: state.policy.version,
    credential: null,
    route: null,
    synthesised: false,
    rewritten: [],
    auditHost: null,
    auditPath: null,
  };
}

function denyReason(ctx: RequestContext): string {
  return ctx.decision?.reason === 'no_rule_matched'
    ? `no rule allows ${ctx.req.method} ${ctx.scheme}://${ctx.hostText}:${ctx.port} (deny by default)`
    : `rule ${ctx.decision?.rule} denies this request`;
}

function hostHeader(ctx: RequestContext): string {
  const def = ctx.scheme === 'https' ? 443 : 80;
  const h = ctx.host?.kind === 'ip' && ctx.host.ip.family === 6 ? `[${ctx.hostText}]` : ctx.hostText;
  return ctx.port === def ? h : `${h}:${ctx.port}`;
}
