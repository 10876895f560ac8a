import type { IncomingMessage } from 'node:http';
import { CredentialError } from '../credentials/errors.js';
import { injectCredential } from '../credentials/inject.js';
import { assertNoViolations, placeholderViolations } from '../credentials/inject-placeholder.js';
import { swapBodyPlaceholders } from '../credentials/placeholder-stream.js';
import { reflectionNeedles } from '../credentials/reflection-needles.js';
import type { Decision } from '../policy/types.js';
import { Rejection } from './errors-map.js';
import { countedBody } from './forward.js';
import type { GateServices } from './gate-runtime.js';
import { upstreamRequestHeaders } from './hop-by-hop.js';
import { inspectBody, inspectHead } from './inspect-request.js';
import { guardBodyOverride } from './body-override.js';
import { overrideCheck } from './method-override.js';
import type { RequestContext } from './request-context.js';

const VIA = '1.1 sluice';

/** The request as it will leave the gate. */
export interface UpstreamRequest {
  headers: Record<string, string | string[]>;
  path: string;
  body: AsyncIterable<Buffer> | null;
  /** Needles for the reflected-secret scrubber (empty when nothing was injected). */
  scrub: readonly Buffer[];
  /** The credential's reference name (never its value), for the audit trail. */
  credential: string | null;
  /** Header names the rule set or removed. */
  rewritten: string[];
}

/**
 * Build the upstream request: end-to-end headers only, the rule's header rewrite,
 * then the credential. The secret value exists only inside the returned headers,
 * path or body stream, on its way to the wire.
 */
export async function buildUpstreamRequest(
  gate: GateServices,
  ctx: RequestContext,
  decision: Decision,
  target: { hostHeader: string; pathPrefix: string },
  /** The request body when it was already read (MCP intake), counted; else it is read from the agent. */
  readAhead: AsyncIterable<Buffer> | null = null,
): Promise<UpstreamRequest> {
  const req = ctx.req;
  const headers = upstreamRequestHeaders(req.headers);
  const state = gate.state();
  const dlp = state.dlp;
  // DLP reads what the agent sent, before the gate adds anything of its own.
  const head = { path: target.pathPrefix + ctx.target, headers };
  inspectHead(dlp, ctx, decision.inspect, head);
  const rewritten: string[] = [];
  if (decision.headers) {
    for (const name of decision.headers.remove) {
      if (headers[name] !== undefined) rewritten.push(name);
      delete headers[name];
    }
    for (const [name, value] of Object.entries(decision.headers.set)) {
      headers[name] = value;
      rewritten.push(name);
    }
  }
  headers.host = target.hostHeader;
  const via = headers.via;
  headers.via = via === undefined ? VIA : `${Array.isArray(via) ? via.join(', ') : via}, ${VIA}`;
  const view: { headers: Record<string, string | string[]>; path: string; body?: AsyncIterable<Buffer> } = {
    headers,
    path: head.path,
  };
  if (hasBody(req)) view.body = inspectBody(dlp, ctx, decision.inspect, guardBodyOverride(readAhead ?? countedBody(ctx), req.headers, overrideCheck(gate.state(), ctx), gate.state().inspect.max_decompressed_bytes));

  // Every response to this tenant is scrubbed of every secret its rules can inject, not
  // only of the one this request carries: stored data (a note, a ticket) written through
  // a credentialed rule can be read back through any other.
  const tenant = ctx.principal?.tenant ?? null;
  let scrub: readonly Buffer[] = state.scrub.forTenant(tenant);
  const spec = decision.credential;
  if (spec) {
    if (state.auditFailClosed !== 'off' && !gate.auditHealthy()) {
      throw new Rejection('audit_unavailable', 'the audit trail is failing, and requests that carry a credential are refused until it recovers (audit.fail_closed)', decision.rule);
    }
    try {
      // One decryption serves both: the injector gets the value, and the reflection
      // needles are built from it before the injector uses (and wipes) it.
      const injected = injectCredential(view, spec, {
        resolve: (ref: string): Buffer => {
          const value = gate.secrets.resolve(ref);
          if (ref === spec.secret) scrub = state.scrub.injected(tenant, spec, reflectionNeedles(value, spec));
          return value;
        },
      });
      // Static forms answer at once; only a form that signs or fetches makes this wait.
      if (injected instanceof Promise) await injected;
    } catch (err) {
      throw credentialRejection(err, decision.rule);
    }
  } else {
    // A placeholder the agent sends where no rule injects it must not leave as is.
    try {
      assertNoViolations(placeholderViolations(view));
    } catch (err) {
      throw credentialRejection(err, decision.rule);
    }
    if (view.body) view.body = swapBodyPlaceholders(view.body, {});
  }
  if (scrub.length > 0) withholdTransforms(view.headers);
  return {
    headers: view.headers,
    path: view.path,
    body: view.body ?? null,
    scrub,
    credential: spec?.secret ?? null,
    rewritten,
  };
}

/**
 * Ask for the response as it is stored, whole: a compressed body would hide a reflected
 * secret from the scrubber, and byte ranges would let an agent read one in pieces that
 * no needle matches. Dropping both is always allowed (the upstream answers 200, whole).
 */
function withholdTransforms(headers: Record<string, string | string[]>): void {
  delete headers['accept-encoding'];
  delete headers.range;
  delete headers['if-range'];
}

/** Map a credential failure to the deny contract, without its value (there is none in the message). */
export function credentialRejection(err: unknown, rule: string | null): unknown {
  const c = findCredentialError(err);
  if (!c) return err;
  if (c.reason === 'placeholder_not_allowed') return new Rejection('placeholder_denied', c.message, rule);
  return new Rejection('credential_unavailable', c.message, rule);
}

export function findCredentialError(err: unknown): CredentialError | null {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (e instanceof CredentialError) return e;
  }
  return null;
}

export function hasBody(req: IncomingMessage): boolean {
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}
