import type { SecureContext } from 'node:tls';
import { Pool } from 'undici';

export interface UpstreamPoolOptions {
  /** Built once from the trusted CAs: parsing ~150 roots per connection would dominate a handshake. */
  secureContext: SecureContext;
  connectTimeoutMs: number;
  /** Time to the upstream's response headers. */
  headersTimeoutMs: number;
  /** Longest silence allowed while a response body streams. */
  bodyTimeoutMs: number;
  /** How many distinct upstream pools to keep; the least recently used is closed. */
  maxPools?: number;
}

/**
 * Keep-alive connection pools, one per (scheme, vetted address, port, TLS name).
 * Keyed by the *vetted address*, never by name: a pool can only ever reach the
 * address the resolver approved (no second resolution inside the HTTP client).
 *
 * @example
 * const pool = pools.get('https', '203.0.113.7', 443, 'api.example.com');
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private readonly max: number;
  /** The key inserted last, while its pool is in the map. */
  private newest: string | null = null;
  constructor(private readonly opts: UpstreamPoolOptions) {
    this.max = opts.maxPools ?? 1024;
  }

  /**
   * `route` gives a named private route its own TLS settings (its CA, a client
   * certificate for mTLS); its pools never mix with the public ones.
   */
  get(
    scheme: 'http' | 'https',
    address: string,
    family: 4 | 6,
    port: number,
    servername: string | null,
    route?: { name: string; secureContext: SecureContext },
  ): Pool {
    const key = `${scheme}|${address}|${port}|${servername ?? ''}|${route?.name ?? ''}`;
    const hit = this.pools.get(key);
    if (hit) {
      // Map order is insertion order: re-insert to mark as recently used (the newest needs nothing).
      if (key === this.newest) return hit;
      this.pools.delete(key);
      this.pools.set(key, hit);
      this.newest = key;
      return hit;
    }
    const host = family === 6 ? `[${address}]` : address;
    const pool = new Pool(`${scheme}://${host}:${port}`, {
      connections: 256,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: this.opts.headersTimeoutMs,
      bodyTimeout: this.opts.bodyTimeoutMs,
      connect: {
        timeout: this.opts.connectTimeoutMs,
        ...(scheme === 'https'
          ? { secureContext: route?.secureContext ?? this.opts.secureContext, rejectUnauthorized: true, ...(servername ? { servername } : {}) }
          : {}),
      },
    });
    this.pools.set(key, pool);
    this.newest = key;
    if (this.pools.size > this.max) {
      const [oldestKey, oldest] = this.pools.entries().next().value as [string, Pool];
      this.pools.delete(oldestKey);
      // In-flight requests on it finish; the pool just stops taking new ones.
      void oldest.close().catch(() => undefined);
    }
    return pool;
  }

  get size(): number {
    return this.pools.size;
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    this.newest = null;
    await Promise.all(all.map((p) => p.destroy().catch(() => undefined)));
  }
}
