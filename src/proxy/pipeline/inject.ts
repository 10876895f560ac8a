import { injectCredential } from '../../credentials/inject.js';
import { assertNoViolations, placeholderViolations } from '../../credentials/inject-placeholder.js';
import { swapBodyPlaceholders } from '../../credentials/placeholder-stream.js';
import { reflectionNeedles } from '../../credentials/reflection-needles.js';
import { credentialRejection } from '../credential-failure.js';
import { vettedFetch } from '../vetted-fetch.js';
import type { Exchange } from './exchange.js';

/**
 * The credential goes in: the secret value exists only inside the upstream request's
 * headers, path or body stream, on its way to the wire. Every response to the tenant
 * is then scrubbed of every secret its rules can inject, not only of this one: stored
 * data (a note, a ticket) written through a credentialed rule can be read back through
 * any other. Without a credential, a placeholder the agent sends must not leave as is.
 */
export function inject(x: Exchange, next: () => Promise<void>): Promise<void> {
  const { state, gate } = x;
  const d = x.decision!;
  const up = x.up!;
  const tenant = x.principal?.tenant ?? null;
  let scrub: readonly Buffer[] = state.scrub.forTenant(tenant);
  const spec = d.credential;
  if (!spec) {
    try {
      assertNoViolations(placeholderViolations(up));
    } catch (err) {
      throw credentialRejection(err, d.rule);
    }
    if (up.body) up.body = swapBodyPlaceholders(up.body, {});
    return done(x, scrub, next);
  }
  let pending: unknown;
  try {
    // One decryption serves both: the injector gets the value, and the reflection
    // needles are built from it before the injector uses (and wipes) it.
    pending = injectCredential(up, spec, {
      resolve: (ref: string): Buffer => {
        const value = gate.secrets.resolve(ref);
        if (ref === spec.secret) scrub = state.scrub.injected(tenant, spec, reflectionNeedles(value, spec));
        return value;
      },
      method: x.req.method,
      // The brokered forms (oauth2, token_exchange, jwt): who the token is for, and its needles on the scrub list too.
      broker: gate.broker && {
        broker: gate.broker,
        who: x.principal,
        intent: d.intent,
        rule: d.rule,
        reflect: (needles: readonly Buffer[]) => {
          if (needles.length > 0) scrub = Object.freeze([...scrub, ...needles]);
        },
      },
      // For forms that sign or fetch (aws_sigv4): who asks, the gate's vetted dial.
      who: x.principal ? { tenant: x.principal.tenant, agent: x.principal.agent, session: x.principal.session } : null,
      fetch: vettedFetch(state.resolver, gate.pools),
      scrubAlso: (value: Buffer): void => {
        scrub = Object.freeze([...scrub, ...reflectionNeedles(value)]);
      },
      readingBody: () => {
        if (!x.expectContinue || x.continued) return;
        x.res.writeContinue();
        x.continued = true;
      },
    });
  } catch (err) {
    throw credentialRejection(err, d.rule);
  }
  // A form that fetches or signs (a broker, a request signature) finishes asynchronously.
  if (pending instanceof Promise) {
    return pending.then(
      () => done(x, scrub, next),
      (err: unknown) => {
        // The record names the credential whose token could not be had (its reference, never a value).
        x.credential = spec.secret;
        throw credentialRejection(err, d.rule);
      },
    );
  }
  return done(x, scrub, next);
}

function done(x: Exchange, scrub: readonly Buffer[], next: () => Promise<void>): Promise<void> {
  const up = x.up!;
  up.scrub = scrub;
  if (scrub.length > 0) withholdTransforms(up.headers);
  // On the record from here: the credential's reference (never its value), the headers rewritten.
  x.credential = x.decision!.credential?.secret ?? null;
  x.rewritten = up.rewritten;
  return next();
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
