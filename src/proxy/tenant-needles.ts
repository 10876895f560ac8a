/**
 * The reflection needles of every secret a tenant's rules can inject, so every
 * response to that tenant's agents is scrubbed of all of them, not only the
 * response of the request that carried one: an agent that had the gate swap a
 * placeholder into stored data (a note, a ticket) must not read the real value back
 * through a rule that injects nothing (a public path, another host).
 *
 * Built per config load and per secret-store change (gate-state.ts, reloadSecrets);
 * a tenant's set is assembled on first use and kept. A value the injector resolves
 * fresh (a rotated `file:` secret) replaces its spec's needles through `injected`.
 *
 * @example
 * const needles = state.scrub.forTenant(principal?.tenant ?? null);
 * const scrubber = new ReflectionScrubber(needles);
 */
import type { SecretResolver } from '../credentials/refs.js';
import { reflectionNeedles } from '../credentials/reflection-needles.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { compileNameGlob, type NameMatcher } from '../policy/name-glob.js';
import type { CredentialSpec } from '../policy/types.js';

/** Tenants seen are few (tokens are signed), but the cache must not grow without bound. */
const MAX_TENANTS = 4096;
const EMPTY: readonly Buffer[] = Object.freeze([]);

interface Source {
  spec: CredentialSpec;
  /** null: the rule names no tenants, so it applies to every identity (and to none). */
  tenants: readonly NameMatcher[] | null;
  needles: readonly Buffer[];
}

export class TenantNeedles {
  readonly #sources: Source[] = [];
  readonly #bySpec = new Map<CredentialSpec, Source>();
  readonly #tenants = new Map<string | null, readonly Buffer[]>();

  constructor(policy: CompiledPolicy, secrets: SecretResolver) {
    for (const rule of policy.rules) {
      const spec = rule.credential;
      if (!spec) continue;
      let needles = EMPTY;
      try {
        const value = secrets.resolve(spec.secret);
        needles = reflectionNeedles(value, spec);
        value.fill(0);
      } catch {
        // Not set: nothing to reflect yet; injecting it later fails, or brings its needles through `injected`.
      }
      const source: Source = { spec, tenants: rule.spec.tenants?.map(compileNameGlob) ?? null, needles };
      this.#sources.push(source);
      this.#bySpec.set(spec, source);
    }
  }

  /** Every needle for responses to `tenant` (null: no identity): a frozen, shared array. */
  forTenant(tenant: string | null): readonly Buffer[] {
    const hit = this.#tenants.get(tenant);
    if (hit) return hit;
    const all: Buffer[] = [];
    for (const s of this.#sources) if (applies(s, tenant)) all.push(...s.needles);
    const needles = all.length === 0 ? EMPTY : Object.freeze(all);
    if (this.#tenants.size >= MAX_TENANTS) this.#tenants.clear();
    this.#tenants.set(tenant, needles);
    return needles;
  }

  /**
   * The needles for `tenant` once `spec` was injected with a value whose needles are
   * `fresh` (reflectionNeedles returns the same array for the same spec and value, so
   * a change of identity is a new value: the sets are rebuilt with it).
   */
  injected(tenant: string | null, spec: CredentialSpec, fresh: readonly Buffer[]): readonly Buffer[] {
    const source = this.#bySpec.get(spec);
    if (source && source.needles !== fresh) {
      source.needles = fresh;
      this.#tenants.clear();
    }
    const set = this.forTenant(tenant);
    if (source && applies(source, tenant)) return set;
    // A spec this set does not know (not from this policy): scrub both.
    return Object.freeze([...set, ...fresh]);
  }
}

function applies(s: Source, tenant: string | null): boolean {
  if (s.tenants === null) return true;
  if (tenant === null) return false;
  return s.tenants.some((m) => m(tenant));
}
