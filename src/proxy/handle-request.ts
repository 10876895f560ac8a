import type { IncomingMessage, ServerResponse } from 'node:http';
import { newDecisionId } from '../audit/decision-id.js';
import { decide } from '../policy/decide.js';
import { buildRecord } from './audit-record.js';
import { classifyTarget } from './classify-target.js';
import { sendDeny } from './deny-response.js';
import { mapFailure, Rejection } from './errors-map.js';
import { forward } from './forward.js';
import { identify } from './identify.js';
import type { GateServices } from './gate-runtime.js';
import { upstreamRequestHeaders } from './hop-by-hop.js';
import type { RequestContext } from './request-context.js';
import { tunnelOf } from './tunnel-context.js';

const VIA = '1.1 sluice';

/**
 * The request pipeline: classify → decide → route (resolve + vet) → forward, with one
 * audit record written when the exchange ends, whatever happened.
 */
export async function handleRequest(
  gate: GateServices,
  req: IncomingMessage,
  res: ServerResponse,
  expectContinue: boolean,
): Promise<void> {
  const state = gate.state();
  const tunnel = tunnelOf(req.socket);
  const ctx: RequestContext = {
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
  };
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
    const host = ctx.host!;
    // An IP literal is checked before policy: `http://0x7f.1/` is an SSRF attempt
    // whatever the rules say, and needs no DNS to know it.
    if (host.kind === 'ip') ctx.address = state.resolver.vet(ctx.hostText, host.ip, ctx.port).address;

    const decision = decide(
      { scheme: ctx.scheme, host: ctx.hostText, port: ctx.port, method: req.method ?? 'GET', path: ctx.target },
      state.policy,
    );
    ctx.decision = decision;
    if (decision.outcome === 'deny') {
      throw new Rejection(403, 'policy_denied', denyReason(ctx), decision.rule);
    }

    const vetted = await state.resolver.resolve(host, ctx.port);
    ctx.address = vetted.address;
    const pool = gate.pools.get(ctx.scheme, vetted.address, vetted.family, ctx.port, host.kind === 'name' ? host.name : null);

    const headers = upstreamRequestHeaders(req.headers);
    headers.host = hostHeader(ctx);
    const via = headers.via;
    headers.via = via === undefined ? VIA : `${Array.isArray(via) ? via.join(', ') : via}, ${VIA}`;

    if (expectContinue) res.writeContinue();
    await forward(ctx, pool, {
      method: req.method ?? 'GET',
      path: ctx.target,
      headers,
      servername: host.kind === 'name' ? host.name : null,
      hasBody: hasBody(req),
    });
  } catch (err) {
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

function hasBody(req: IncomingMessage): boolean {
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}
