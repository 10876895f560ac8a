import { IdentityError } from '../identity/errors.js';
import { SluiceError } from '../errors.js';
import { addFindingsOnce } from '../inspect/finding.js';
import { ClientAbortedError, clientGone, markClientAbort } from './client-abort.js';
import { credentialRejection } from './credential-failure.js';
import { mapFailure, Rejection, type MappedFailure } from './errors-map.js';
import type { GateServices } from './gate-runtime.js';
import type { RequestContext } from './request-context.js';
import { ResponseBlockedError } from './response-inspector.js';

/**
 * Record a refusal or failure on the context (outcome, reason, error) and return the
 * deny contract to answer with.
 */
export function recordFailure(gate: GateServices, ctx: RequestContext, thrown: unknown): MappedFailure {
  if (thrown instanceof IdentityError && thrown.principal) ctx.principal = thrown.principal;
  if (thrown instanceof ResponseBlockedError) addFindingsOnce(ctx.findings, thrown.findings);
  const err = credentialRejection(thrown, ctx.decision?.rule ?? null);
  if (err instanceof ClientAbortedError || (clientGone(ctx) && !isRefusal(err))) {
    // The agent left: whatever broke after that (its body's read, the upstream aborted
    // for it) is a consequence, not a fault to warn about.
    markClientAbort(ctx);
    gate.logger.debug(
      { decision_id: ctx.decisionId, host: ctx.hostText, error: ctx.error, code: errorCodeOf(err) },
      'client aborted: the agent closed its connection before the exchange ended',
    );
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
