/**
 * The shape of the header, basic and query forms: one value written once, nothing
 * swapped. So any placeholder the request carries is one the rule does not grant
 * (refused before the secret is even read), and the body is still watched for one.
 *
 * @example
 * return injectOnce(view, spec, deps, (value) => { view.headers.authorization = ...; return ['authorization']; });
 */
import { assertNoViolations, placeholderViolations } from '../inject-placeholder.js';
import type { RequestView } from '../inject-placeholder.js';
import { swapBodyPlaceholders } from '../placeholder-stream.js';
import type { CredentialBase, InjectDeps, InjectionResult } from './form.js';

/** Resolve the secret, let `write` put it in `view` (returning what changed), then wipe it. */
export function injectOnce(view: RequestView, spec: CredentialBase, deps: InjectDeps, write: (value: Buffer) => string[]): InjectionResult {
  assertNoViolations(placeholderViolations(view));
  const value = deps.resolve(spec.secret);
  try {
    const changed = write(value);
    if (view.body) view.body = swapBodyPlaceholders(view.body, { maxBodyBytes: deps.maxBodyBytes });
    return { changed, bodyLengthChanged: false };
  } finally {
    value.fill(0);
  }
}
