/**
 * The resolver that vets the hosts agents name, built from the config: `dns.hosts`,
 * `network.allow_private`, and cloud metadata opened only by an exact single-address
 * entry. One builder, used by the gate and by `sluice explain`, so the tools vet an
 * address exactly as the gate does.
 */
import type { Config } from '../config/schema.js';
import { CidrSet } from '../net/cidr.js';
import { Resolver, type Endpoint } from '../net/resolve.js';

/**
 * @example
 * const resolver = agentResolver(loaded.config, () => gate.endpoints());
 * resolver.vet('169.254.169.254', ip, 80); // throws SsrfBlockedError
 */
export function agentResolver(c: Config, selfEndpoints: () => readonly Endpoint[]): Resolver {
  return new Resolver({
    hosts: new Map(Object.entries(c.dns.hosts)),
    allowPrivate: new CidrSet(c.network.allow_private),
    allowMetadata: metadataOptIn(c),
    selfEndpoints,
    cacheTtlMs: c.dns.cache_ttl,
  });
}

/** Cloud metadata opens only for an exact single-address entry, never through a range. */
export function metadataOptIn(c: Config): CidrSet {
  return new CidrSet(c.network.allow_private.filter((cidr) => cidr.endsWith(cidr.includes(':') ? '/128' : '/32')));
}
