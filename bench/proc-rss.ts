/**
 * Resident memory of another process, from Linux's /proc/<pid>/status: the current
 * RSS (VmRSS) sampled on a timer, and the kernel's own high-water mark (VmHWM), which
 * catches a spike between two samples.
 *
 * @example
 * const s = RssSampler.start(pid, 100);
 * await transfer();
 * const { peak } = s.stop(); // bytes
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** VmRSS and VmHWM of `pid`, in bytes. */
export function readRss(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
    if (!m) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(m[1]) * 1024;
  };
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/**
 * Reset `pid`'s VmHWM to its current RSS (writing "5" to clear_refs, Linux 4.0+), so the
 * next VmHWM is the peak of what follows alone. False where the kernel does not allow it.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export class RssSampler {
  #max = 0;
  #samples = 0;
  readonly #hwmReset: boolean;
  readonly #timer: NodeJS.Timeout;

  private constructor(
    private readonly pid: number,
    everyMs: number,
  ) {
    this.#hwmReset = resetPeak(pid);
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
  }

  static start(pid: number, everyMs = 100): RssSampler {
    return new RssSampler(pid, everyMs);
  }

  #sample(): void {
    try {
      this.#max = Math.max(this.#max, readRss(this.pid).rss);
      this.#samples++;
    } catch {
      // The process exited; the caller finds out from the transfer itself.
    }
  }

  /** Stop sampling. `peak` is the highest of the samples and (when it could be reset) VmHWM. */
  stop(): { peak: number; samples: number; hwmUsed: boolean } {
    clearInterval(this.#timer);
    this.#sample();
    let peak = this.#max;
    if (this.#hwmReset) {
      try {
        peak = Math.max(peak, readRss(this.pid).hwm);
      } catch {
        // As above.
      }
    }
    return { peak, samples: this.#samples, hwmUsed: this.#hwmReset };
  }
}
