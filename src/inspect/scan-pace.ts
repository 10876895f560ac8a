/**
 * Pacing and a work budget for one exchange's inspection. Scanners are synchronous
 * and linear; what makes them safe for a gate shared by many agents is that the
 * caller hands them bounded slices (SLICE_BYTES), lets the event loop run between
 * slices once a few milliseconds of work have piled up (`pace`), and stops an
 * exchange whose inspection has used more than its budget of CPU time (`run` throws
 * ScanBudgetError, which the caller turns into a refusal: fail closed).
 *
 * The budget is time, not bytes: byte limits already bound what is read, and time
 * also bounds whatever per-byte cost a hostile shape might still find (many tiny
 * chunks, decoder layers, word lists).
 *
 * @example
 * const pace = new ScanPace(5000);
 * for (const slice of slices(chunk)) {
 *   findings.push(...pace.run(() => scanner.push(slice)));
 *   const turn = pace.pace(slice.length);
 *   if (turn) await turn;
 * }
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Bytes handed to a scanner at once: a few milliseconds of work at worst. */
export const SLICE_BYTES = 16 * 1024;
/** Work (ms) after which the event loop gets a turn before the next slice. */
export const YIELD_AFTER_MS = 4;
/** Default CPU time (ms) one exchange's inspection may use (`inspect.scan_budget_ms`). */
export const DEFAULT_SCAN_BUDGET_MS = 5000;

/** The inspection of one exchange used more than its CPU budget. */
export class ScanBudgetError extends Error {
  readonly code = 'inspection_budget_exceeded';
  constructor(readonly budgetMs: number) {
    super(`inspecting this exchange took more than its budget of ${budgetMs} ms of CPU (inspect.scan_budget_ms)`);
    this.name = 'ScanBudgetError';
  }
}

export class ScanPace {
  /** Work done since the event loop last had a turn (ms). */
  private sinceYield = 0;
  /** Bytes scanned since the event loop last had a turn. */
  private bytesSinceYield = 0;
  /** Work done in all (ms). */
  spentMs = 0;
  /** Times `pace` gave the event loop a turn (for tests and benchmarks). */
  yields = 0;

  constructor(readonly budgetMs = DEFAULT_SCAN_BUDGET_MS) {}

  /** Run one bounded piece of scanning, counting its time; throws ScanBudgetError once over budget. */
  run<T>(work: () => T): T {
    const t0 = performance.now();
    let out: T;
    try {
      out = work();
    } finally {
      const dt = performance.now() - t0;
      this.sinceYield += dt;
      this.spentMs += dt;
    }
    if (this.spentMs > this.budgetMs) throw new ScanBudgetError(this.budgetMs);
    return out;
  }

  /**
   * Let the event loop run once a slice of bytes (`bytes`: those just scanned) or
   * YIELD_AFTER_MS of work has been done since it last did; a small body never waits.
   */
  pace(bytes = 0): Promise<void> | undefined {
    this.bytesSinceYield += bytes;
    // No promise at all on the common path (small bodies): callers await only what comes back.
    if (this.sinceYield < YIELD_AFTER_MS && this.bytesSinceYield < SLICE_BYTES) return undefined;
    this.sinceYield = 0;
    this.bytesSinceYield = 0;
    this.yields++;
    return nextTurn<undefined>();
  }
}

/**
 * Run `steps` (a generator of bounded steps of work, e.g. stripSteps) to its end: each
 * step counted against `pace`'s budget, and a turn for the event loop after each
 * (`afterTurn` runs after it, e.g. to stop work whose exchange has ended).
 */
export async function runSteps<T>(pace: ScanPace, steps: Generator<void, T>, afterTurn?: () => void): Promise<T> {
  for (;;) {
    const r = pace.run(() => steps.next());
    if (r.done) return r.value;
    const turn = pace.pace(SLICE_BYTES);
    if (turn) {
      await turn;
      afterTurn?.();
    }
  }
}

/**
 * `work` on each slice of `data` in order, each counted against `pace` (throws
 * ScanBudgetError past its budget), `use` given each result outside the timed work, and a
 * turn for the event loop whenever one is due.
 *
 * @example
 * await eachSlice(pace, chunk, (slice) => scanner.push(slice), (found) => check(found));
 */
export async function eachSlice<T>(pace: ScanPace, data: Buffer, work: (slice: Buffer) => T, use?: (result: T) => void): Promise<void> {
  for (const slice of slices(data)) {
    const r = pace.run(() => work(slice));
    use?.(r);
    const turn = pace.pace(slice.length);
    if (turn) await turn;
  }
}

/** `buf` in pieces of at most SLICE_BYTES (views, no copies). */
export function slices(buf: Buffer, size = SLICE_BYTES): Buffer[] {
  if (buf.length <= size) return [buf];
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** The exchange's ScanPace, made on first use (request body and response share one budget). */
export function scanPaceOf(owner: { scanPace?: ScanPace }, budgetMs: number): ScanPace {
  return (owner.scanPace ??= new ScanPace(budgetMs));
}
