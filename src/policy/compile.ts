import { HostIndex } from './host-index.js';

/** A rule as the config file states it (the subset this release understands). */
export interface RuleSpec {
  id: string;
  hosts: readonly string[];
}

export interface CompiledRule {
  id: string;
  index: number;
  hosts: readonly string[];
}

/** A policy ready to decide with: rules indexed by host, stamped with a version. */
export interface CompiledPolicy {
  version: string;
  rules: readonly CompiledRule[];
  byHost: HostIndex<CompiledRule>;
}

/**
 * Compile rules once per load so `decide` does no parsing.
 *
 * @example
 * const policy = compilePolicy([{ id: 'up', hosts: ['api.upstream.test'] }], 'a1b2c3');
 */
export function compilePolicy(rules: readonly RuleSpec[], version: string): CompiledPolicy {
  const byHost = new HostIndex<CompiledRule>();
  const compiled = rules.map((r, index): CompiledRule => ({ id: r.id, index, hosts: r.hosts }));
  for (const r of compiled) for (const h of r.hosts) byHost.add(h, r);
  return { version, rules: compiled, byHost };
}
