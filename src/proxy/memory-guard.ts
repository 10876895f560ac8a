/**
 * The global memory guard: sampled resident memory and V8 heap against a ceiling, so
 * new work is shed (503 `overloaded`) while the process still has room, instead of
 * growing into a V8 out-of-memory abort. A sample costs a few microseconds; the
 * request path reads only the cached verdict.
 *
 * @example
 * const guard = new MemoryGuard(0); // default ceiling: 3/4 of the heap limit
 * if (guard.over()) shed();
 */
import { getHeapStatistics } from 'node:v8';

const SAMPLE_MS = 100;

export class MemoryGuard {
  /** Resident-memory ceiling in bytes. */
  readonly rssCeiling: number;
  /** Heap-used ceiling in bytes (3/4 of V8's limit: past it, GC pauses grow and then V8 aborts). */
  readonly heapCeiling: number;
  #over: string | null = null;
  #timer: NodeJS.Timeout;
  /** Highest resident memory seen by a sample. */
  peakRss = 0;

  constructor(maxBytes: number) {
    const heapLimit = getHeapStatistics().heap_size_limit;
    this.heapCeiling = Math.floor(heapLimit * 0.75);
    this.rssCeiling = maxBytes > 0 ? maxBytes : this.heapCeiling;
    this.sample();
    this.#timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.#timer.unref();
  }

  /** Why new work must be shed now, or null. */
  over(): string | null {
    return this.#over;
  }

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
    if (rss > this.rssCeiling) {
      this.#over = `the gate's memory (${mib(rss)} MiB resident) is over limits.max_memory_bytes (${mib(this.rssCeiling)} MiB)`;
      return;
    }
    // The heap alone: process.memoryUsage() would read /proc for the resident size again.
    const heap = getHeapStatistics().used_heap_size;
    this.#over = heap > this.heapCeiling ? `the gate's heap (${mib(heap)} MiB) is over 3/4 of its limit (${mib(this.heapCeiling)} MiB)` : null;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

function mib(n: number): number {
  return Math.round(n / 1048576);
}
