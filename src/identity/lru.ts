/**
 * A bounded least-recently-used map. A Map iterates in insertion order, so
 * re-inserting on every hit keeps the oldest entry first, where eviction takes it.
 *
 * @example
 * const lru = new Lru<string, number>(2);
 * lru.set('a', 1); lru.set('b', 2); lru.get('a'); lru.set('c', 3); // evicts 'b'
 */
export class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();
  /** The key inserted last (the map's newest), if still present: a hit on it needs no reordering. */
  #newest: K | undefined = undefined;
  #hasNewest = false;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`LRU size must be a whole number >= 0; got ${max}`);
    this.#max = max;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value, marked as most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v === undefined) return undefined;
    // Repeat hits on one key (one agent's token, request after request) skip the re-insert.
    if (this.#hasNewest && this.#newest === key) return v;
    this.#map.delete(key);
    this.#map.set(key, v);
    this.#newest = key;
    this.#hasNewest = true;
    return v;
  }

  set(key: K, value: V): void {
    if (this.#max === 0) return;
    this.#map.delete(key);
    this.#map.set(key, value);
    this.#newest = key;
    this.#hasNewest = true;
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done === true) break;
      this.#map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.#map.delete(key);
    if (this.#hasNewest && this.#newest === key) this.#forgetNewest();
  }

  clear(): void {
    this.#map.clear();
    this.#forgetNewest();
  }

  #forgetNewest(): void {
    this.#newest = undefined;
    this.#hasNewest = false;
  }
}
