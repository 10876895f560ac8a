/**
 * Token buckets for rate limits, behind a small interface. Today the buckets live in
 * the gate's memory: each gate counts on its own, and a restart starts every bucket
 * full. Buckets shared by several gates (Redis) come with the scale-out issue; that
 * backend implements the same `take`, and the govern step awaits it.
 *
 * A bucket holds up to `burst` tokens and gains `requests` per `perMs`; a request takes
 * one. A bucket that has refilled is the same as no bucket, so it may be dropped at no
 * cost: that is how the table stays small when keys rotate (hosts, sessions).
 */

/** One bucket a request must take a token from. `key` names it; the limit comes with it. */
export interface RateAsk {
  readonly key: string;
  readonly requests: number;
  readonly perMs: number;
  readonly burst: number;
}

/** `ok`, or which ask (index into the asks) refused and how long until it would allow one. */
export type RateTake = { readonly ok: true } | { readonly ok: false; readonly refused: number; readonly waitMs: number };

export interface RateBucketStore {
  /**
   * One token from every bucket in `asks`, or from none: a refused request spends
   * nothing. New buckets start full. `maxBuckets` bounds the table (least recently
   * used dropped first).
   */
  take(asks: readonly RateAsk[], maxBuckets: number): RateTake;
  /** Buckets held now. */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was computed (ms, monotonic). */
  at: number;
  /** The limit it was made under (a key carries its limit, so it never changes). */
  readonly requests: number;
  readonly perMs: number;
  readonly burst: number;
}

const OK: RateTake = { ok: true };
/** Rounding slack: 1 token computed as 0.9999999999 still counts as one. */
const EPSILON = 1e-9;
/** Refilled buckets looked at (and dropped) per take, from the least recently used end. */
const SWEEP = 2;

/**
 * The in-memory store: a Map in least-recently-used order (a touched bucket is moved
 * to the end), so both the idle sweep and the hard bound drop from the front in O(1).
 *
 * @example
 * const store = new MemoryRateBuckets();
 * store.take([{ key: 'k', requests: 10, perMs: 60_000, burst: 10 }], 65_536); // { ok: true }
 */
export class MemoryRateBuckets implements RateBucketStore {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  get size(): number {
    return this.buckets.size;
  }

  take(asks: readonly RateAsk[], maxBuckets: number): RateTake {
    const t = this.now();
    let refused = -1;
    let waitMs = 0;
    const held: (Bucket | undefined)[] = [];
    for (let i = 0; i < asks.length; i++) {
      const a = asks[i]!;
      const b = this.buckets.get(a.key);
      held.push(b);
      const tokens = b === undefined ? a.burst : level(b, t);
      if (tokens + EPSILON >= 1) continue;
      const wait = ((1 - tokens) * a.perMs) / a.requests;
      if (wait > waitMs || refused === -1) {
        refused = i;
        waitMs = wait;
      }
    }
    if (refused !== -1) {
      // Refused: nothing spent, but the buckets were used: keep them from the sweep's end.
      for (let i = 0; i < asks.length; i++) this.touch(asks[i]!.key, held[i]);
      return { ok: false, refused, waitMs };
    }
    for (let i = 0; i < asks.length; i++) {
      const a = asks[i]!;
      const b = held[i];
      if (b === undefined) {
        this.buckets.set(a.key, { tokens: a.burst - 1, at: t, requests: a.requests, perMs: a.perMs, burst: a.burst });
        continue;
      }
      b.tokens = Math.max(0, level(b, t) - 1);
      b.at = t;
      this.touch(a.key, b);
    }
    this.trim(t, maxBuckets);
    return OK;
  }

  /** Move a bucket to the most recently used end. */
  private touch(key: string, b: Bucket | undefined): void {
    if (b === undefined) return;
    this.buckets.delete(key);
    this.buckets.set(key, b);
  }

  /** Drop refilled buckets from the front (free), then any beyond the bound (least recently used first). */
  private trim(t: number, max: number): void {
    let looked = 0;
    for (const [key, b] of this.buckets) {
      if (looked++ >= SWEEP) break;
      if (level(b, t) + EPSILON < b.burst) break;
      this.buckets.delete(key);
    }
    while (this.buckets.size > max) {
      const oldest = this.buckets.keys().next();
      if (oldest.done === true) break;
      this.buckets.delete(oldest.value);
    }
  }
}

/** The bucket's tokens at `t`: what it had plus what it gained since, up to `burst`. */
function level(b: Bucket, t: number): number {
  const gained = ((t - b.at) * b.requests) / b.perMs;
  return Math.min(b.burst, b.tokens + (gained > 0 ? gained : 0));
}
