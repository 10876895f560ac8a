/**
 * Every matcher kind, looked up by type. The order is the order explanations
 * list mismatches in, and the order `decide` tries them: cheap comparisons
 * first, path globs last.
 */
import type { Matcher, MatcherKind, MatcherType } from './matcher.js';
import type { RuleSpec } from './types.js';
import { agentsMatcher, labelsMatcher, tenantsMatcher } from './who-matchers.js';
import { hostsMatcher, methodsMatcher, pathsMatcher, portsMatcher, schemesMatcher } from './what-matchers.js';

export const MATCHER_KINDS: readonly MatcherKind[] = [
  hostsMatcher,
  schemesMatcher,
  portsMatcher,
  methodsMatcher,
  tenantsMatcher,
  agentsMatcher,
  labelsMatcher,
  pathsMatcher,
];

/** Kinds by type, for code that holds a type name (`sluice explain`, tests). */
export const MATCHER_KIND_BY_TYPE: ReadonlyMap<MatcherType, MatcherKind> = new Map(MATCHER_KINDS.map((k) => [k.type, k]));

/**
 * The matchers a rule states, in MATCHER_KINDS order.
 *
 * @example
 * compileMatchers({ id: 'r', hosts: ['api.github.com'], methods: ['GET'] }).map((m) => m.type); // ['hosts', 'methods']
 */
export function compileMatchers(rule: RuleSpec): Matcher[] {
  const out: Matcher[] = [];
  for (const kind of MATCHER_KINDS) {
    const m = kind.compile(rule);
    if (m !== null) out.push(m);
  }
  return out;
}
