/**
 * Run credentials: the proxy password a `sluice run` child holds instead of a token.
 *
 * A child reads its proxy URL once, at start, but its token must be renewed every
 * few minutes. So the child gets a random, run-scoped alias (`sra_` + 32 random
 * bytes) and the gate maps it to the run's *current* token; `sluice run` renews the
 * token over the control socket and the gate rebinds the alias. The alias is worth
 * nothing alone: it resolves only while its token is unexpired and unrevoked, and
 * only `sluice run` (which holds the token itself) can renew. Why this and not a
 * local relay: docs/design-notes.md, "Token renewal".
 *
 * Kept in memory, keyed by a SHA-256 of the alias (lookups do not compare secret
 * prefixes). A gate restart forgets them; `sluice run` re-binds its alias on its
 * next renewal call (every few seconds).
 *
 * @example
 * const alias = aliases.issue(principal);        // at mint
 * aliases.rebind(alias, renewed);                // at renewal
 * aliases.resolve(alias);                        // per request: the current principal or null
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from './principal.js';

const PREFIX = 'sra_';
const ALIAS = /^sra_[A-Za-z0-9_-]{43}$/;
/** Entries expired longer than this are dropped (a late renewal then re-binds). */
const KEEP_EXPIRED_MS = 10 * 60_000;

/** Whether a proxy password is a run alias rather than a token (a JWT always has dots). */
export function isRunAlias(password: string): boolean {
  return password.startsWith(PREFIX);
}

function key(alias: string): string {
  return createHash('sha256').update(alias).digest('base64url');
}

export class RunAliases {
  readonly #byKey = new Map<string, Principal>();
  readonly #max: number;

  /** `max`: at most this many live runs; minting beyond it is refused (a minter cannot grow the table without bound). */
  constructor(max = 100_000) {
    this.#max = max;
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** A new alias for `p`. Throws when the table is full of live runs. */
  issue(p: Principal): string {
    this.sweep();
    if (this.#byKey.size >= this.#max) throw new Error(`too many live runs (${this.#max}); try again when some have ended`);
    const alias = PREFIX + randomBytes(32).toString('base64url');
    this.#byKey.set(key(alias), p);
    return alias;
  }

  /**
   * Point `alias` at `p` (a renewed token of the same session). Binds an alias the
   * gate forgot (restart); refuses one bound to another session, or malformed.
   */
  rebind(alias: string, p: Principal): boolean {
    if (!ALIAS.test(alias)) return false;
    const k = key(alias);
    const had = this.#byKey.get(k);
    if (had !== undefined && (had.session !== p.session || had.tenant !== p.tenant)) return false;
    if (had === undefined && this.#byKey.size >= this.#max) return false;
    this.#byKey.set(k, p);
    return true;
  }

  /** The principal `alias` stands for now, or null when unknown. Expiry and revocation are the caller's checks. */
  resolve(alias: string): Principal | null {
    if (!ALIAS.test(alias)) return null;
    return this.#byKey.get(key(alias)) ?? null;
  }

  /** Forget `alias` if it belongs to `session` (the run ended). */
  drop(alias: string, session: string): void {
    if (!ALIAS.test(alias)) return;
    const k = key(alias);
    if (this.#byKey.get(k)?.session === session) this.#byKey.delete(k);
  }

  /** The principals of runs whose token has not expired. */
  live(now = Date.now()): Principal[] {
    return [...this.#byKey.values()].filter((p) => p.expiresAt > now);
  }

  sweep(now = Date.now()): void {
    for (const [k, p] of this.#byKey) if (p.expiresAt + KEEP_EXPIRED_MS < now) this.#byKey.delete(k);
  }
}
