/** Small statistics for the comparison: medians across rounds, percentiles of a latency sample. */

/** Median of the finite values; NaN when there are none. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** The q-quantile (0..1) of an ascending-sorted sample, nearest rank. */
export function quantile(sorted: Float64Array | readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** A growable buffer of latencies in milliseconds. */
export class Latencies {
  #buf = new Float64Array(1 << 16);
  #n = 0;
  push(ms: number): void {
    if (this.#n === this.#buf.length) {
      const next = new Float64Array(this.#buf.length * 2);
      next.set(this.#buf);
      this.#buf = next;
    }
    this.#buf[this.#n++] = ms;
  }
  get count(): number {
    return this.#n;
  }
  sorted(): Float64Array {
    return this.#buf.slice(0, this.#n).sort();
  }
}
