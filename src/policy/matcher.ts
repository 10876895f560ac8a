/**
 * The matcher contract: one small object per condition a rule states. Each kind
 * has a `type`, answers `matches`, and can say in words why it did not match,
 * which is what `sluice explain` prints.
 */
import { normaliseHost } from './host-index.js';
import { normaliseRequestPath, type RequestPath } from './request-path.js';
import type { RequestFacts, RuleSpec, Who } from './types.js';

export type MatcherType = 'tenants' | 'agents' | 'labels' | 'hosts' | 'ports' | 'schemes' | 'methods' | 'paths';

/** Request facts normalised once per decision, so every matcher compares plain strings. */
export interface PreparedFacts {
  readonly scheme: 'http' | 'https';
  /** Lower-case, no brackets, no trailing dot. */
  readonly host: string;
  readonly port: number;
  /** Upper-case. */
  readonly method: string;
  /** The normalised path (query cut, unreserved escapes decoded), computed on first use. */
  path(): RequestPath;
}

export interface Matcher {
  readonly type: MatcherType;
  matches(facts: PreparedFacts, who: Who | null): boolean;
  /** null when it matches; otherwise why not, like `method DELETE not in [GET]`. */
  explain(facts: PreparedFacts, who: Who | null): string | null;
}

/**
 * Builds the matcher for one rule, or null when the rule does not state this
 * condition (an absent condition matches everything).
 */
export interface MatcherKind {
  readonly type: MatcherType;
  compile(rule: RuleSpec): Matcher | null;
}

/**
 * @example
 * const f = prepareFacts({ scheme: 'https', host: 'API.GitHub.com.', port: 443, method: 'get', path: '/x?y' });
 * f.host;        // 'api.github.com'
 * f.path().path; // '/x'
 */
export function prepareFacts(facts: RequestFacts): PreparedFacts {
  let path: RequestPath | undefined;
  return {
    scheme: facts.scheme,
    host: normaliseHost(facts.host.toLowerCase()),
    port: facts.port,
    method: facts.method.toUpperCase(),
    path: () => (path ??= normaliseRequestPath(facts.path)),
  };
}

/** `[a, b]`, the way lists read in explanations. */
export function listText(items: readonly (string | number)[]): string {
  return `[${items.join(', ')}]`;
}
