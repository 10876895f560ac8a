/**
 * Ready-to-use TLS server contexts for intercepted hosts, one per host, kept in
 * a bounded LRU so a long-running gate neither re-signs on every connection nor
 * grows without limit. Minting is synchronous (leaf-minter.ts), so two
 * concurrent requests for a new host can never both mint: the first fills the
 * cache before the second runs.
 *
 * @example
 * const leaves = new LeafCertCache(await loadCa(certPath, keyPath));
 * const server = tls.createServer({
 *   SNICallback: (name, cb) => leaves.get(name).then((ctx) => cb(null, ctx), cb),
 * });
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { ErrorCode, SluiceError } from '../errors.js';
import type { LoadedCa } from './ca.js';
import { normalizeLeafHost } from './leaf-host.js';
import { LeafMinter } from './leaf-minter.js';

interface Entry {
  context: SecureContext;
  /** Re-mint after this time (ms), well before the leaf expires. */
  renewAt: number;
}

/** A bounded LRU of per-host SecureContexts signed by one CA. */
export class LeafCertCache {
  readonly #ca: LoadedCa;
  readonly #max: number;
  readonly #minter: LeafMinter;
  // A Map iterates in insertion order; re-inserting on use makes the first key the least recently used.
  readonly #entries = new Map<string, Entry>();
  #mints = 0;

  /**
   * `max` contexts are kept (default 1000); leaves are valid `validDays`
   * (default 30), capped by the CA's expiry.
   *
   * @example
   * const leaves = new LeafCertCache(ca, { max: 5000, validDays: 7 });
   */
  constructor(ca: LoadedCa, opts: { max?: number; validDays?: number } = {}) {
    const max = opts.max ?? 1000;
    if (!Number.isInteger(max) || max < 1) {
      throw new SluiceError(ErrorCode.TLS_CA, `leaf cache max must be a positive integer, got ${String(max)}`);
    }
    this.#ca = ca;
    this.#max = max;
    this.#minter = new LeafMinter(ca, opts.validDays != null ? { validDays: opts.validDays } : {});
  }

  /** Number of cached contexts. */
  get size(): number {
    return this.#entries.size;
  }

  /** Leaves minted since construction (cache misses and renewals); for metrics. */
  get mints(): number {
    return this.#mints;
  }

  /**
   * A SecureContext (leaf + CA chain) for a DNS name or IP literal (IPv4, IPv6
   * with or without brackets). Rejects with BadHostError for a host that cannot
   * be a certificate name, SluiceError(TLS_CA) if the CA has expired.
   *
   * @example
   * const ctx = await leaves.get('api.example.com');
   */
  get(host: string): Promise<SecureContext> {
    try {
      return Promise.resolve(this.getSync(host));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * The synchronous form of `get`, for callers that cannot wait (it throws
   * instead of rejecting). A miss costs one ECDSA signature plus
   * createSecureContext, well under a millisecond.
   *
   * @example
   * SNICallback: (name, cb) => { try { cb(null, leaves.getSync(name)); } catch (e) { cb(e as Error); } }
   */
  getSync(host: string): SecureContext {
    const leafHost = normalizeLeafHost(host);
    const key = leafHost.key;
    const hit = this.#entries.get(key);
    const now = Date.now();
    if (hit && now < hit.renewAt) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.context;
    }
    const leaf = this.#minter.mint(leafHost);
    this.#mints++;
    const context = createSecureContext({ key: this.#minter.keyPem, cert: leaf.chainPem });
    // Renew at half the remaining life: a 30-day leaf is replaced after 15 days,
    // and a leaf capped by a nearly expired CA is still renewed before it lapses.
    const entry: Entry = { context, renewAt: now + (leaf.notAfter.getTime() - now) / 2 };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    return context;
  }

  /**
   * The cached context for `host` if there is a fresh one, without minting.
   *
   * @example
   * leaves.peek('example.test') ?? (await leaves.get('example.test'));
   */
  peek(host: string): SecureContext | undefined {
    const hit = this.#entries.get(normalizeLeafHost(host).key);
    return hit && Date.now() < hit.renewAt ? hit.context : undefined;
  }

  /** The CA this cache signs with (its PEM is what clients must trust). */
  get ca(): LoadedCa {
    return this.#ca;
  }
}
