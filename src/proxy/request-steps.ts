import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SecureContext } from 'node:tls';
import { newDecisionId } from '../audit/decision-id.js';
import { IdentityError } from '../identity/errors.js';
import { decide } from '../policy/decide.js';
import { AMBIGUITY_TEXT, normaliseRequestPath } from '../policy/request-path.js';
import { headerAndQueryOverrides, overrideCheck } from './method-override.js';
import type { Decision } from '../policy/types.js';
import { classifyTarget } from './classify-target.js';
import { ClientAbortedError, clientGone, markClientAbort } from './client-abort.js';
import { mapFailure, Rejection, type MappedFailure } from './errors-map.js';
import { SluiceError } from '../errors.js';
import type { GateServices, GateState } from './gate-runtime.js';
import { identify } from './identify.js';
import { checkBeforePolicy, checkCredentialTransport, policyDenial } from './pre-policy.js';
import type { RequestContext } from './request-context.js';
import { ResponseBlockedError } from './response-inspector.js';
import { credentialRejection } from './upstream-request.js';

/**
 * The front half of the pipeline, shared by plain requests and WebSocket upgrades:
 * identify → classify → pre-policy checks (hostname DLP, SSRF for IP literals and
 * loopback names: pre-policy.ts) → decide → credential transport (verified TLS only). A deny
 * throws a Rejection; the caller answers it with the deny contract.
 *
 * @example
 * const decision = await admitAndDecide(gate, state, ctx);
 */
export async function admitAndDecide(gate: GateServices, state: GateState, ctx: RequestContext): Promise<Decision> {
  const req = ctx.req;
  ctx.principal = await identify(gate, req, ctx.tunnel);
  classifyTarget(ctx);
  const vetted = checkBeforePolicy(state, ctx);
  if (vetted !== null) ctx.address = vetted;

  const decision = decide(
    { scheme: ctx.scheme, host: ctx.hostText, port: ctx.port, method: req.method ?? 'GET', path: ctx.target },
    ctx.principal,
    state.policy,
  );
  ctx.decision = decision;
  if (decision.outcome === 'deny') throw policyDenial(decision, { method: req.method ?? 'GET', scheme: ctx.scheme, host: ctx.hostText, port: ctx.port, path: ctx.target }, state.policy);
  checkCredentialTransport(decision, ctx.scheme, (name) => state.routes.get(name)?.scheme);
  if (decision.wouldDeny.length > 0) ctx.outcome = 'would_deny';

  // A method or path override (headers, `?_method=`) is decided as that method and path too; a form body's, as it streams.
  const check = overrideCheck(state, ctx);
  check({ method: req.method ?? 'GET', source: '' });
  for (const o of headerAndQueryOverrides(req.headers, ctx.target)) check(o);
  return decision;
}

/** Where an allowed request goes, before any connection is made. */
export interface Destination {
  scheme: 'http' | 'https';
  /** The vetted address: dial exactly this, never the name again. */
  address: string;
  family: 4 | 6;
  port: number;
  /** TLS name to present upstream (SNI and certificate check); null for IP literals. */
  servername: string | null;
  hostHeader: string;
  pathPrefix: string;
  /** A named private route's own TLS settings (its CA, a client certificate). */
  route?: { name: string; secureContext: SecureContext };
}

/** The vetted address of the host the request names, or a named private route. */
export async function resolveDestination(state: GateState, ctx: RequestContext, routeName: string | null): Promise<Destination> {
  if (routeName === null) {
    const host = ctx.host!;
    const vetted = await state.resolver.resolve(host, ctx.port);
    ctx.address = vetted.address;
    return {
      scheme: ctx.scheme,
      address: vetted.address,
      family: vetted.family,
      port: ctx.port,
      servername: host.kind === 'name' ? host.name : null,
      hostHeader: hostHeader(ctx),
      pathPrefix: '',
    };
  }
  const route = state.routes.get(routeName);
  if (!route) throw new Rejection('upstream_failed', `route '${routeName}' is not defined`, ctx.decision?.rule ?? null);
  ctx.route = route.name;
  assertWithinBase(ctx, route.name, route.basePath);
  // A route is the operator's explicit opt-in to a private address, for this rule only.
  const vetted = await state.routeResolver.resolve(route.host, route.port);
  ctx.address = vetted.address;
  return {
    scheme: route.scheme,
    address: vetted.address,
    family: vetted.family,
    port: route.port,
    servername: route.servername,
    hostHeader: route.hostHeader,
    pathPrefix: route.basePath,
    route: { name: route.name, secureContext: route.secureContext },
  };
}

/**
 * A route's base path is a boundary: the upstream reads `base + path`, so a path it
 * could normalise upwards (`/../x`, `/%2e%2e/x`, `/..%2fx`, `/..;/x`, ...) might name a
 * file outside the base. Every ambiguous path is refused there, before anything is dialled.
 */
function assertWithinBase(ctx: RequestContext, route: string, basePath: string): void {
  if (basePath === '') return;
  const p = normaliseRequestPath(ctx.target);
  if (p.ambiguity === null) return;
  throw new Rejection(
    'path_outside_route',
    `the path has ${AMBIGUITY_TEXT[p.ambiguity]}: the upstream could read it outside route '${route}' base path ${basePath}`,
    ctx.decision?.rule ?? null,
  );
}

/**
 * Record a refusal or failure on the context (outcome, reason, error) and return the
 * deny contract to answer with.
 */
export function recordFailure(gate: GateServices, ctx: RequestContext, thrown: unknown): MappedFailure {
  if (thrown instanceof IdentityError && thrown.principal) ctx.principal = thrown.principal;
  if (thrown instanceof ResponseBlockedError) ctx.findings.push(...thrown.findings.filter((f) => !ctx.findings.includes(f)));
  const err = credentialRejection(thrown, ctx.decision?.rule ?? null);
  if (err instanceof ClientAbortedError || (clientGone(ctx) && !isRefusal(err))) {
    // The agent left: whatever broke after that (its body's read, the upstream aborted
    // for it) is a consequence, not a fault to warn about.
    markClientAbort(ctx);
    gate.logger.debug({ decision_id: ctx.decisionId, host: ctx.hostText, error: ctx.error, code: errorCodeOf(err) }, 'client aborted: the agent closed its connection before the exchange ended');
    return mapFailure(new ClientAbortedError());
  }
  const f = mapFailure(err);
  ctx.outcome = f.outcome;
  // A policy deny records why the policy said no (`no_rule_matched`, `rule_deny`);
  // every other refusal records its contract error (`ssrf_blocked`, `bad_host`, ...).
  ctx.reason = f.error === 'policy_denied' && ctx.decision ? ctx.decision.reason : f.error;
  // Only the refusal code reaches the record; the undici or OS code behind it (f.code, f.cause) is logged below.
  if (f.outcome === 'error') ctx.error = f.error;
  if (f.status >= 500) gate.logger.warn({ decision_id: ctx.decisionId, code: f.code, ...(f.cause ? { cause: f.cause } : {}), host: ctx.hostText }, f.reason);
  return f;
}

/** A refusal or failure the gate names itself: recorded as such even if the agent has left meanwhile. */
function isRefusal(err: unknown): boolean {
  return err instanceof SluiceError || err instanceof Rejection || err instanceof IdentityError || err instanceof ResponseBlockedError;
}

/** The code on an error (or its cause), for a debug line; never its message. */
function errorCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e !== null && typeof e === 'object' && i < 3; e = (e as { cause?: unknown }).cause, i++) {
    if ('code' in e && typeof e.code === 'string') return e.code;
  }
  return undefined;
}

export function newContext(req: IncomingMessage, res: ServerResponse, tunnel: RequestContext['tunnel'], state: GateState): RequestContext {
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
    // Set by classifyTarget from the parsed request target. Never the raw URL: a request
    // refused before parsing must not put userinfo or an unredacted host in the audit trail.
    target: '',
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
    protocol: null,
  };
  // Ahead of every other 'close' listener (the audit record's among them): a response
  // that closed unfinished with no cause the gate recorded was ended by the agent.
  res.prependOnceListener('close', () => markClientAbort(ctx));
  return ctx;
}

function hostHeader(ctx: RequestContext): string {
  const def = ctx.scheme === 'https' ? 443 : 80;
  const h = ctx.host?.kind === 'ip' && ctx.host.ip.family === 6 ? `[${ctx.hostText}]` : ctx.hostText;
  return ctx.port === def ? h : `${h}:${ctx.port}`;
}
