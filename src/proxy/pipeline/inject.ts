import { injectCredential } from '../../credentials/inject.js';
import { assertNoViolations, placeholderViolations } from '../../credentials/inject-placeholder.js';
import { swapBodyPlaceholders } from '../../credentials/placeholder-stream.js';
import { reflectionNeedles } from '../../credentials/reflection-needles.js';
import { credentialRejection } from '../credential-failure.js';
import { vettedFetch } from '../vetted-fetch.js';
import type { CredentialBroker } from '../../credentials/broker/broker.js';
import type { BrokerFetch, CredentialSpec, InjectDeps } from '../../credentials/forms/index.js';
import type { Principal } from '../../identity/principal.js';
import type { Exchange } from './exchange.js';

/**
 * The credential goes in: the secret value exists only inside the upstream request's
 * headers, path or body stream, on its way to the wire. Every response to the tenant
 * is then scrubbed of every secret its rules can inject, not only of this one: stored
 * data (a note, a ticket) written through a credentialed rule can be read back through
 * any other. Without a credential, a placeholder the agent sends must not leave as is.
 */
export function inject(x: Exchange, next: () => Promise<void>): Promise<void> {
  const { state } = x;
  const d = x.decision!;
  const up = x.up!;
  const tenant = x.principal?.tenant ?? null;
  const scrub: readonly Buffer[] = state.scrub.forTenant(tenant);
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
  // One object per injection, the deps every form reads (methods on its prototype, no
  // closures): static forms use `resolve` only; the forms that fetch or sign use the rest.
  const call = new InjectCall(x, spec, tenant, scrub);
  let pending: unknown;
  try {
    pending = injectCredential(up, spec, call);
  } catch (err) {
    throw credentialRejection(err, d.rule);
  }
  // A form that fetches or signs (a broker, a request signature) finishes asynchronously.
  if (pending instanceof Promise) {
    return pending.then(
      () => done(x, call.scrub, next),
      (err: unknown) => {
        // The record names the credential whose token could not be had (its reference, never a value).
        x.credential = spec.secret;
        throw credentialRejection(err, d.rule);
      },
    );
  }
  return done(x, call.scrub, next);
}

/**
 * What an injection gets from the gate (credentials/forms/form.ts InjectDeps). One
 * decryption serves both: `resolve` builds the reflection needles from the value
 * before the form uses (and wipes) it. `reflect` adds a fetched token's or temporary
 * key's spellings to the list every response to the tenant is scrubbed of.
 */
class InjectCall implements InjectDeps {
  scrub: readonly Buffer[];
  readonly method: string;
  readonly broker: CredentialBroker | undefined;
  readonly who: Principal | null;
  readonly intent: string | null;
  readonly rule: string;
  readonly #x: Exchange;
  readonly #spec: CredentialSpec;
  readonly #tenant: string | null;

  constructor(x: Exchange, spec: CredentialSpec, tenant: string | null, scrub: readonly Buffer[]) {
    this.#x = x;
    this.#spec = spec;
    this.#tenant = tenant;
    this.scrub = scrub;
    this.method = x.req.method ?? '';
    this.broker = x.gate.broker ?? undefined;
    this.who = x.principal;
    this.intent = x.decision!.intent;
    this.rule = x.decision!.rule;
  }

  resolve(ref: string): Buffer {
    const value = this.#x.gate.secrets.resolve(ref);
    if (ref === this.#spec.secret) this.scrub = this.#x.state.scrub.injected(this.#tenant, this.#spec, reflectionNeedles(value, this.#spec));
    return value;
  }

  reflect(needles: readonly Buffer[]): void {
    if (needles.length > 0) this.scrub = Object.freeze([...this.scrub, ...needles]);
  }

  /** The gate's vetted dial (one per config load). */
  get fetch(): BrokerFetch {
    return vettedFetch(this.#x.state, this.#x.gate.pools);
  }

  readingBody(): void {
    const x = this.#x;
    if (!x.expectContinue || x.continued) return;
    x.res.writeContinue();
    x.continued = true;
  }
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
