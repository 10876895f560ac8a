/**
 * Matchers on who is asking: tenants, agents (globs with `*`), and labels (exact
 * values). With no identity (`who` null) none of them matches: a rule that names
 * who it is for is never granted to an anonymous request.
 *
 * Each is built once as a WhoMatcher (it looks at nothing but the identity), so
 * HTTP rules and MCP tool rules share one implementation.
 */
import { listText, type Matcher, type MatcherKind } from './matcher.js';
import { compileNameGlob } from './name-glob.js';
import type { RuleSpec, Who } from './types.js';

/** A condition on the identity alone. */
export interface WhoMatcher {
  readonly type: 'tenants' | 'agents' | 'labels';
  matches(who: Who | null): boolean;
  /** null when it matches; otherwise why not, like `agent intern-bot not in [support-bot]`. */
  explain(who: Who | null): string | null;
}

type WhoSpec = Pick<RuleSpec, 'tenants' | 'agents' | 'labels'>;

function globMatcher(type: 'tenants' | 'agents', noun: string, patterns: readonly string[], pick: (who: Who) => string): WhoMatcher {
  const tests = patterns.map(compileNameGlob);
  const matches = (who: Who | null): boolean => {
    if (who === null) return false;
    const v = pick(who);
    for (const t of tests) if (t(v)) return true;
    return false;
  };
  return {
    type,
    matches,
    explain: (who) => {
      if (who === null) return `no identity; the rule is for ${type} ${listText(patterns)}`;
      return matches(who) ? null : `${noun} ${pick(who)} not in ${listText(patterns)}`;
    },
  };
}

function labelsWho(labels: Readonly<Record<string, string>>): WhoMatcher {
  const wanted = Object.entries(labels);
  const shown = wanted.map(([k, v]) => `${k}=${v}`);
  const mismatches = (who: Who): string[] => {
    const out: string[] = [];
    for (const [k, v] of wanted) {
      const have = Object.hasOwn(who.labels, k) ? who.labels[k] : undefined;
      if (have === undefined) out.push(`label ${k} missing (rule needs '${v}')`);
      else if (have !== v) out.push(`label ${k} is '${have}', not '${v}'`);
    }
    return out;
  };
  return {
    type: 'labels',
    matches: (who) => {
      if (who === null) return false;
      for (const [k, v] of wanted) if (!Object.hasOwn(who.labels, k) || who.labels[k] !== v) return false;
      return true;
    },
    explain: (who) => {
      if (who === null) return `no identity; the rule is for labels ${listText(shown)}`;
      const m = mismatches(who);
      return m.length === 0 ? null : m.join('; ');
    },
  };
}

const tenantsWho = (spec: WhoSpec): WhoMatcher | null => (spec.tenants === undefined ? null : globMatcher('tenants', 'tenant', spec.tenants, (w) => w.tenant));
const agentsWho = (spec: WhoSpec): WhoMatcher | null => (spec.agents === undefined ? null : globMatcher('agents', 'agent', spec.agents, (w) => w.agent));
const labelsOf = (spec: WhoSpec): WhoMatcher | null => (spec.labels === undefined ? null : labelsWho(spec.labels));

/**
 * The who-conditions a rule states, in the order explanations list them: tenants, agents, labels.
 *
 * @example
 * compileWhoMatchers({ agents: ['support-*'] })[0]?.explain({ ...who, agent: 'intern-bot' }); // 'agent intern-bot not in [support-*]'
 */
export function compileWhoMatchers(spec: WhoSpec): WhoMatcher[] {
  const out: WhoMatcher[] = [];
  for (const build of [tenantsWho, agentsWho, labelsOf]) {
    const m = build(spec);
    if (m !== null) out.push(m);
  }
  return out;
}

/** A WhoMatcher as a request matcher (the request facts are not looked at). */
function asMatcher(m: WhoMatcher | null): Matcher | null {
  if (m === null) return null;
  return { type: m.type, matches: (_f, who) => m.matches(who), explain: (_f, who) => m.explain(who) };
}

/**
 * `tenants: [acme]`: a rule for one tenant never matches another tenant's principal.
 *
 * @example
 * tenantsMatcher.compile({ id: 'r', tenants: ['acme'] })?.explain(facts, who); // 'tenant globex not in [acme]'
 */
export const tenantsMatcher: MatcherKind = {
  type: 'tenants',
  compile: (rule) => asMatcher(tenantsWho(rule)),
};

/**
 * `agents: [support-*]`.
 *
 * @example
 * agentsMatcher.compile({ id: 'r', agents: ['support-*'] })?.matches(facts, { ...who, agent: 'support-bot' }); // true
 */
export const agentsMatcher: MatcherKind = {
  type: 'agents',
  compile: (rule) => asMatcher(agentsWho(rule)),
};

/**
 * `labels: { team: support }`: every listed label must be present on the token with that value.
 *
 * @example
 * labelsMatcher.compile({ id: 'r', labels: { team: 'support' } })?.explain(facts, who); // "label team is 'sales', not 'support'"
 */
export const labelsMatcher: MatcherKind = {
  type: 'labels',
  compile: (rule) => asMatcher(labelsOf(rule)),
};
