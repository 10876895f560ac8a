/**
 * Credential injection: put the secret a rule names into the request, in the form
 * its `type` names (forms/, one file each), and report what changed (header names,
 * 'query', 'path', 'body'), never the value.
 *
 * Whatever the form, a request that carries a placeholder the injection does not
 * swap (another secret's, or in a place not listed) is refused with
 * CredentialError('placeholder_not_allowed'); in a streamed body that surfaces as
 * an error from the body stream, which aborts the upstream request.
 *
 * The static forms answer synchronously; a form may answer with a Promise (signing
 * the final request, fetching a short-lived token), so callers await only a Promise.
 *
 * @example
 * const pending = injectCredential(view, decision.credential, { resolve: (ref) => secrets.resolve(ref) });
 * const { changed } = pending instanceof Promise ? await pending : pending;
 * audit.credential = decision.credential.secret; // the reference, never the value
 */
import { CredentialError } from './errors.js';
import { checkCredential, credentialForm } from './forms/index.js';
import type { CredentialSpec, InjectDeps, InjectionResult } from './forms/index.js';
import type { RequestView } from './inject-placeholder.js';

/**
 * Specs already checked. A compiled rule's spec is one object for its policy version,
 * so the check runs once, not per request; specs are data and are never changed after.
 */
const SOUND = new WeakSet<object>();

/**
 * Inject the spec's secret into `view` (changed in place). Throws (or rejects with)
 * CredentialError: 'credential_invalid' for a bad spec or a value that cannot go where
 * it must, 'credential_unavailable' from the resolver, 'placeholder_not_allowed'.
 */
export function injectCredential(view: RequestView, spec: CredentialSpec, deps: InjectDeps): InjectionResult | Promise<InjectionResult> {
  if (!SOUND.has(spec)) {
    const problem = checkCredential(spec);
    if (problem !== undefined) {
      const ref = String((spec as { secret?: unknown }).secret).slice(0, 100);
      throw new CredentialError('credential_invalid', `credential for secret '${ref}': ${problem}`, { ref });
    }
    SOUND.add(spec);
  }
  return credentialForm(spec.type).inject(view, spec, deps);
}
