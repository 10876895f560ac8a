/**
 * Parsing `Proxy-Authorization` once per distinct header value. An agent sends the
 * same value on every request, and the parse (regexes, base64, a strict UTF-8
 * decode) is pure: a cached answer is the answer a fresh parse would give. Only the
 * parse is cached; verification (times checked on every call), the session binding
 * and the revocation check still run for every request.
 *
 * @example
 * const cache = new ProxyAuthCache();
 * const auth = cache.read(req.headers['proxy-authorization']); // same as readProxyAuthorization
 */
import { Lru } from './lru.js';
import { readProxyAuthorization } from './proxy-auth.js';

type Parsed = Readonly<{ token: string; user: string | null }>;

/**
 * A bounded cache of parsed header values (readable ones only: a stream of junk
 * values cannot grow it past `size`, and each is parsed and refused again).
 *
 * @example
 * const cache = new ProxyAuthCache(1024);
 * cache.read('Bearer eyJ...'); // { token: 'eyJ...', user: null }, frozen
 */
export class ProxyAuthCache {
  readonly #parsed: Lru<string, Parsed>;

  constructor(size = 1024) {
    this.#parsed = new Lru(size);
  }

  /** readProxyAuthorization's answer for `header`, frozen, from the cache when seen before. */
  read(header: string | undefined): Parsed | null {
    if (typeof header !== 'string') return null;
    const hit = this.#parsed.get(header);
    if (hit !== undefined) return hit;
    const auth = readProxyAuthorization(header);
    if (auth === null) return null;
    const frozen = Object.freeze(auth);
    this.#parsed.set(header, frozen);
    return frozen;
  }

  /** Forget every parsed value. */
  clear(): void {
    this.#parsed.clear();
  }
}
