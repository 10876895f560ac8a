/**
 * Credential injection: put the secret a rule names into the request, in one of
 * four forms (see injection-spec.ts), and report what changed (header names,
 * 'query', 'path', 'body'), never the value.
 *
 * - header:      sets the header from the template, replacing any the agent sent
 * - basic:       `authorization: Basic base64(username:secret)`
 * - query:       sets/replaces the parameter, value percent-encoded, others kept in order
 * - placeholder: swaps `SLUICE_SECRET_<name>` in the listed places (inject-placeholder.ts)
 *
 * Whatever the form, a request that carries a placeholder the injection does not
 * swap (another secret's, or in a place not listed) is refused with
 * CredentialError('placeholder_not_allowed'); in a streamed body that surfaces as
 * an error from the body stream, which aborts the upstream request.
 *
 * @example
 * const { changed, bodyLengthChanged } = injectCredential(view, decision.credential, resolver);
 * audit.credential = decision.credential.secret; // the reference, never the value
 */
import { CredentialError } from './errors.js';
import { deleteHeader, headerSafe } from './header-value.js';
import { setQueryParam } from './inject-query.js';
import { assertNoViolations, injectPlaceholder, placeholderViolations } from './inject-placeholder.js';
import type { RequestView } from './inject-placeholder.js';
import { checkInjection, normalizeInjection, SECRET_TEMPLATE } from './injection-spec.js';
import type { CompiledInjection, InjectionSpec, NormalizedInjection } from './injection-spec.js';
import { percentEncode } from './percent-encode.js';
import { swapBodyPlaceholders } from './placeholder-stream.js';

export type { PlaceholderPlace, RequestView } from './inject-placeholder.js';
export { checkInjection, describeInjection, normalizeInjection, SECRET_TEMPLATE } from './injection-spec.js';
export type {
  BasicInjection,
  CompiledInjection,
  HeaderInjection,
  InjectionSpec,
  NormalizedInjection,
  PlaceholderInjection,
  QueryInjection,
} from './injection-spec.js';

export interface InjectionResult {
  /** Lower-case header names set or swapped, and 'query', 'path', 'body'. */
  changed: string[];
  /** The body's length changes: content-length was removed and the body goes chunked. */
  bodyLengthChanged: boolean;
}

export interface InjectOptions {
  /** Body bytes examined for placeholders (default 1 MiB); see placeholder-stream.ts. */
  maxBodyBytes?: number;
}

/**
 * Inject the spec's secret into `view` (mutated in place). Throws CredentialError:
 * 'credential_invalid' for a bad spec or a value that cannot go where it must,
 * 'credential_unavailable' from the resolver, 'placeholder_not_allowed'.
 */
export function injectCredential(
  view: RequestView,
  spec: InjectionSpec | CompiledInjection | NormalizedInjection,
  resolver: { resolve(ref: string): Buffer },
  opts: InjectOptions = {},
): InjectionResult {
  const n = normalizeInjection(spec);
  const problem = checkInjection(n);
  if (problem) throw new CredentialError('credential_invalid', `credential for secret '${n.secret}': ${problem}`, { ref: n.secret });
  if (n.kind !== 'placeholder') {
    // Nothing is swapped: any placeholder anywhere is one this rule does not grant.
    assertNoViolations(placeholderViolations(view));
  }
  const value = resolver.resolve(n.secret);
  try {
    let changed: string[];
    switch (n.kind) {
      case 'header': {
        const filled = n.template.split(SECRET_TEMPLATE).join(headerSafe(value, n.secret));
        deleteHeader(view.headers, n.header);
        view.headers[n.header] = filled;
        changed = [n.header];
        break;
      }
      case 'basic': {
        const joined = Buffer.concat([Buffer.from(`${n.username}:`, 'utf8'), value]);
        deleteHeader(view.headers, 'authorization');
        view.headers.authorization = `Basic ${joined.toString('base64')}`;
        joined.fill(0);
        changed = ['authorization'];
        break;
      }
      case 'query':
        view.path = setQueryParam(view.path, n.param, percentEncode(value));
        changed = ['query'];
        break;
      case 'placeholder':
        changed = injectPlaceholder(view, n.placeholder, n.in, value, n.secret, opts);
        return { changed, bodyLengthChanged: changed.includes('body') };
    }
    if (view.body) view.body = swapBodyPlaceholders(view.body, { maxBodyBytes: opts.maxBodyBytes });
    return { changed, bodyLengthChanged: false };
  } finally {
    value.fill(0);
  }
}
