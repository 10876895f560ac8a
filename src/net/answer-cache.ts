/**
 * A small positive-answer cache for name resolution: fixed TTL, bounded size,
 * oldest entry evicted first. Only answers are cached; every use re-vets them,
 * because the gate's own endpoints and the operator's opt-ins can change.
 */

interface Entry<T> {
  value: T;
  expires: number;
}

/**
 * @example
 * const cache = new AnswerCache<string[]>(30_000, 10_000);
 * cache.set('example.com', ['93.184.215.14']);
 * cache.get('example.com'); // ['93.184.215.14'] until 30 s have passed
 */
export class AnswerCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): T | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: T): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    // Re-inserting moves the key to the back, so eviction order is insertion order.
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
  }

  get size(): number {
    return this.entries.size;
  }
}
