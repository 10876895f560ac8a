/**
 * Matchers on who is asking: tenants, agents (globs with `*`), and labels (exact
 * values). With no identity (`who` null) none of them matches: a rule that names
 * who it is for is never granted to an anonymous request.
 */
import { listText, type Matcher, type MatcherKind, type MatcherType } from './matcher.js';
import { compileNameGlob } from './name-glob.js';
import type { Who } from './types.js';

function globMatcher(type: MatcherType, noun: string, patterns: readonly string[], pick: (who: Who) => string): Matcher {
  const tests = patterns.map(compileNameGlob);
  const matches = (who: Who | null): boolean => {
    if (who === null) return false;
    const v = pick(who);
    for (const t of tests) if (t(v)) return true;
    return false;
  };
  return {
    type,
    matches: (_f, who) => matches(who),
    explain: (_f, who) => {
      if (who === null) return `no identity; the rule is for ${type} ${listText(patterns)}`;
      return matches(who) ? null : `${noun} ${pick(who)} not in ${listText(patterns)}`;
    },
  };
}

/**
 * `tenants: [acme]`: a rule for one tenant never matches another tenant's principal.
 *
 * @example
 * tenantsMatcher.compile({ id: 'r', tenants: ['acme'] })?.explain(facts, who); // 'tenant globex not in [acme]'
 */
export const tenantsMatcher: MatcherKind = {
  type: 'tenants',
  compile: (rule) => (rule.tenants === undefined ? null : globMatcher('tenants', 'tenant', rule.tenants, (w) => w.tenant)),
};

/**
 * `agents: [support-*]`.
 *
 * @example
 * agentsMatcher.compile({ id: 'r', agents: ['support-*'] })?.matches(facts, { ...who, agent: 'support-bot' }); // true
 */
export const agentsMatcher: MatcherKind = {
  type: 'agents',
  compile: (rule) => (rule.agents === undefined ? null : globMatcher('agents', 'agent', rule.agents, (w) => w.agent)),
};

/**
 * `labels: { team: support }`: every listed label must be present on the token with that value.
 *
 * @example
 * labelsMatcher.compile({ id: 'r', labels: { team: 'support' } })?.explain(facts, who); // "label team is 'sales', not 'support'"
 */
export const labelsMatcher: MatcherKind = {
  type: 'labels',
  compile: (rule) => {
    if (rule.labels === undefined) return null;
    const wanted = Object.entries(rule.labels);
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
      matches: (_f, who) => {
        if (who === null) return false;
        for (const [k, v] of wanted) if (!Object.hasOwn(who.labels, k) || who.labels[k] !== v) return false;
        return true;
      },
      explain: (_f, who) => {
        if (who === null) return `no identity; the rule is for labels ${listText(shown)}`;
        const m = mismatches(who);
        return m.length === 0 ? null : m.join('; ');
      },
    };
  },
};
