/**
 * Short-lived tokens the broker fetched or minted, kept until shortly before they
 * expire (`skewMs` early, so a token never reaches the upstream in its last seconds),
 * bounded in count (the least recently used goes first), and fetched once however
 * many requests ask at the same moment (single flight): a burst of 100 requests for
 * a cold credential is one call to the token endpoint, not 100.
 *
 * A failed fetch is not cached: the next request tries again (the refusal it got
 * already said why). The clock is injectable so tests move time instead of sleeping.
 *
 * @example
 * const cache = new TokenCache<BrokerToken>({ max: 10_000, skewMs: 60_000 });
 * const token = await cache.get('crm|tickets.write|', () => fetchToken());
 */

/** What a cache entry must say about itself: when it stops being usable. */
export interface Expiring {
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

export interface TokenCacheOptions {
  /** Most entries kept (default 10 000). */
  max?: number;
  /** Refresh this long before expiry (default 60 s). */
  skewMs?: number;
  /** The clock, epoch milliseconds (default Date.now). */
  now?: () => number;
}

export class TokenCache<T extends Expiring> {
  readonly #entries = new Map<string, T>();
  readonly #inflight = new Map<string, Promise<T>>();
  readonly #max: number;
  readonly #skewMs: number;
  readonly now: () => number;

  constructor(opts: TokenCacheOptions = {}) {
    this.#max = Math.max(1, opts.max ?? 10_000);
    this.#skewMs = Math.max(0, opts.skewMs ?? 60_000);
    this.now = opts.now ?? Date.now;
  }

  /** The fresh entry under `key`, else the one `fetch` brings (shared by every concurrent caller). */
  get(key: string, fetch: () => Promise<T>): Promise<T> {
    const hit = this.fresh(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = this.#inflight.get(key);
    if (pending) return pending;
    const p = fetch().then(
      (entry) => {
        this.#inflight.delete(key);
        this.#store(key, entry);
        return entry;
      },
      (err: unknown) => {
        this.#inflight.delete(key);
        throw err;
      },
    );
    this.#inflight.set(key, p);
    return p;
  }

  /** The entry under `key` while it is outside the refresh window; undefined otherwise. */
  fresh(key: string): T | undefined {
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.expiresAt - this.#skewMs <= this.now()) return undefined;
    // Map order is insertion order: re-insert to mark it recently used.
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return hit;
  }

  /** The entry under `key` whatever its age (a refresh token to refresh with), or undefined. */
  peek(key: string): T | undefined {
    return this.#entries.get(key);
  }

  /** Drop every entry `drop` selects; returns them (to revoke them upstream). */
  forget(drop: (key: string, entry: T) => boolean): T[] {
    const gone: T[] = [];
    for (const [key, entry] of this.#entries) {
      if (!drop(key, entry)) continue;
      this.#entries.delete(key);
      gone.push(entry);
    }
    return gone;
  }

  get size(): number {
    return this.#entries.size;
  }

  #store(key: string, entry: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}
