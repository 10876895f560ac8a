/**
 * Verifying agent tokens on the hot path: every proxied request carries one. A
 * token that verified once is cached (bounded LRU keyed by the token string), so a
 * repeat request skips the signature check; its times are still checked on every
 * call, with the same arithmetic jose uses, so a cached answer is always the answer
 * a fresh verification would give.
 *
 * @example
 * const verifier = new TokenVerifier(await loadVerifyKey(dataDir));
 * const principal = verifier.verifyCached(token, Date.now()) ?? (await verifier.verify(token));
 */
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { IdentityError } from './errors.js';
import { Lru } from './lru.js';
import { principalFromClaims } from './principal-from-claims.js';
import { formatDuration } from '../config/duration.js';
import type { Principal } from './principal.js';
import { MAX_TOKEN_LENGTH, MAX_TTL_MS, REQUIRED_CLAIMS, TOKEN_ALG, TOKEN_ISSUER, TOKEN_TYP } from './token-format.js';

export interface TokenVerifierOptions {
  /** Verified tokens kept; default 10 000 (a few MB at most). 0 turns the cache off. */
  cacheSize?: number;
  /** Allowed clock skew between issuer and gate, seconds; default 5. */
  clockToleranceSec?: number;
  /** Longest token lifetime (exp - iat) accepted, ms (`identity.max_ttl`); default and ceiling 24 h. */
  maxTtlMs?: number;
}

/** Compact JWS: three base64url segments. Checked before any parsing. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Verifies Sluice agent tokens against one Ed25519 public key. Accepts only EdDSA,
 * `typ: sluice-agent+jwt`, `iss: sluice`, and every required claim well formed.
 *
 * @example
 * const verifier = new TokenVerifier(publicKey, { cacheSize: 50_000 });
 * try { principal = await verifier.verify(token); }
 * catch (err) { if (err instanceof IdentityError) deny(err.reason); }
 */
export class TokenVerifier {
  readonly #key: KeyObject;
  readonly #tolerance: number;
  readonly #cache: Lru<string, Principal>;
  #maxTtlMs = MAX_TTL_MS;

  constructor(publicKey: KeyObject, opts: TokenVerifierOptions = {}) {
    // Given the private key by mistake, verify with its public half rather than fail later per request.
    const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
    if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') throw new TypeError('TokenVerifier needs an Ed25519 public key');
    this.#key = key;
    this.#tolerance = opts.clockToleranceSec ?? 5;
    if (!Number.isFinite(this.#tolerance) || this.#tolerance < 0) throw new RangeError('clockToleranceSec must be >= 0');
    this.#cache = new Lru(opts.cacheSize ?? 10_000);
    if (opts.maxTtlMs !== undefined) this.maxTtlMs = opts.maxTtlMs;
  }

  /** The longest lifetime accepted (`identity.max_ttl`, at most 24 h); a lower value applies to cached tokens too. */
  get maxTtlMs(): number {
    return this.#maxTtlMs;
  }
  set maxTtlMs(ms: number) {
    if (!Number.isFinite(ms) || ms <= 0) throw new RangeError('maxTtlMs must be > 0');
    this.#maxTtlMs = Math.min(ms, MAX_TTL_MS);
  }

  /**
   * The token's Principal, or IdentityError with reason `identity_invalid` or
   * `identity_expired`. `now` is epoch milliseconds (default: the clock).
   *
   * @example
   * const p = await verifier.verify(token); // p.agent, p.session, ...
   */
  async verify(token: string, now: number = Date.now()): Promise<Principal> {
    // Length first: even a cache lookup hashes the whole string.
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw malformed();
    const cached = this.#cache.get(token);
    if (cached !== undefined) {
      this.#checkTimes(cached, now, token);
      return cached;
    }
    if (!COMPACT_JWS.test(token)) throw malformed();
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        algorithms: [TOKEN_ALG],
        typ: TOKEN_TYP,
        issuer: TOKEN_ISSUER,
        requiredClaims: [...REQUIRED_CLAIMS],
        maxTokenAge: Math.ceil(this.#maxTtlMs / 1000),
        clockTolerance: this.#tolerance,
        currentDate: new Date(now),
      }));
    } catch (err) {
      throw identityErrorFrom(err);
    }
    const principal = principalFromClaims(payload);
    this.#checkLifetime(principal);
    this.#cache.set(token, principal);
    return principal;
  }

  /**
   * The synchronous fast path: the Principal when `token` is cached and still valid at
   * `now`; undefined otherwise (call `verify`, which gives the precise error).
   *
   * @example
   * const p = verifier.verifyCached(token, Date.now()) ?? (await verifier.verify(token));
   */
  verifyCached(token: string, now: number = Date.now()): Principal | undefined {
    const cached = this.#cache.get(token);
    if (cached === undefined) return undefined;
    try {
      this.#checkTimes(cached, now, token);
    } catch {
      return undefined;
    }
    return cached;
  }

  /** Drop every cached verification (after a key rotation, say). */
  clearCache(): void {
    this.#cache.clear();
  }

  /** jose's rules, restated for a cached token: expired when exp <= now - tolerance; iat may not be ahead by more than the tolerance. */
  #checkTimes(p: Principal, now: number, token: string): void {
    const nowSec = Math.floor(now / 1000);
    if (p.expiresAt / 1000 <= nowSec - this.#tolerance) {
      this.#cache.delete(token);
      throw expired(p);
    }
    if (nowSec - p.issuedAt / 1000 < -this.#tolerance) {
      throw new IdentityError('identity_invalid', 'agent token is issued in the future (check the clocks)', { claim: 'iat' });
    }
    this.#checkLifetime(p);
  }

  /** A token minted to live longer than `identity.max_ttl` allows is refused, whoever signed it. */
  #checkLifetime(p: Principal): void {
    if (p.expiresAt - p.issuedAt <= this.#maxTtlMs) return;
    throw new IdentityError(
      'identity_invalid',
      `agent token lives ${formatDuration(p.expiresAt - p.issuedAt)}, longer than identity.max_ttl (${formatDuration(this.#maxTtlMs)}) allows`,
      { claim: 'exp' },
    );
  }
}

function malformed(): IdentityError {
  return new IdentityError('identity_invalid', 'agent token is not a well-formed signed token');
}

function expired(p: Principal): IdentityError {
  const err = new IdentityError('identity_expired', `agent token expired at ${new Date(p.expiresAt).toISOString()}; mint a new one`);
  err.principal = p;
  return err;
}

/**
 * jose's errors mapped to safe messages. jose's own messages are safe today, but its
 * claim errors carry the whole payload as a property, so nothing of the original
 * error (message, cause, payload) is passed on: only its code, as a detail.
 */
function identityErrorFrom(err: unknown): IdentityError {
  if (err instanceof errors.JWTExpired) {
    const exp = typeof err.payload.exp === 'number' ? ` at ${new Date(err.payload.exp * 1000).toISOString()}` : '';
    const e = new IdentityError('identity_expired', `agent token expired${exp}; mint a new one`, { jose: err.code });
    // jose checks the signature before the claims: an expired token's claims are the
    // issuer's, so its refusal is attributed (the audit record names agent and session).
    try {
      e.principal = principalFromClaims(err.payload);
    } catch {
      // Claims that would not make a principal: the refusal stays unattributed.
    }
    return e;
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    const what = err.claim === 'typ' ? `type (expected ${TOKEN_TYP})` : `"${err.claim}" claim (${err.reason})`;
    return new IdentityError('identity_invalid', `agent token has a bad ${what}`, { jose: err.code, claim: err.claim });
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return new IdentityError('identity_invalid', `agent token is not signed with ${TOKEN_ALG}`, { jose: err.code });
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new IdentityError('identity_invalid', 'agent token signature does not verify (altered, or signed by another key)', { jose: err.code });
  }
  const code = err instanceof errors.JOSEError ? err.code : 'unknown';
  return new IdentityError('identity_invalid', 'agent token is malformed', { jose: code });
}
