/**
 * CPU time and resident memory of a process and everything it started (Squid's
 * certificate helpers, for one), read from /proc, so each contender is charged for all
 * of its processes and nothing else.
 *
 * @example
 * const before = cpuSeconds(pid);
 * await load();
 * const cpu = cpuSeconds(pid) - before;
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readRss, resetPeak } from '../proc-rss.js';

/** Linux's USER_HZ; 100 on every mainstream architecture. */
const CLK_TCK = 100;

interface Stat {
  ppid: number;
  ticks: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** `pid` and its descendants that are alive now. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(Number(name));
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/** User + system CPU seconds of the tree (live processes; helpers that exited are lost, which is rare here). */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) ticks += stat(p)?.ticks ?? 0;
  return ticks / CLK_TCK;
}

/** Sum of VmRSS (now) and of VmHWM (each process's peak) over the tree, in bytes. */
export function treeRss(pid: number): { rss: number; hwm: number } {
  let rss = 0;
  let hwm = 0;
  for (const p of processTree(pid)) {
    try {
      const r = readRss(p);
      rss += r.rss;
      hwm += r.hwm;
    } catch {
      // Exited between the listing and the read.
    }
  }
  return { rss, hwm };
}

/** Reset every process's VmHWM in the tree to its current RSS (see resetPeak). */
export function resetTreePeak(pid: number): boolean {
  return processTree(pid).every((p) => resetPeak(p));
}

/** Sample the tree's RSS on a timer, keeping the highest; `stop()` also folds in VmHWM. */
export class TreeRssSampler {
  #max = 0;
  readonly #timer: NodeJS.Timeout;
  constructor(
    private readonly pid: number,
    everyMs = 200,
  ) {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
  }
  #sample(): void {
    this.#max = Math.max(this.#max, treeRss(this.pid).rss);
  }
  stop(): number {
    clearInterval(this.#timer);
    this.#sample();
    return Math.max(this.#max, treeRss(this.pid).hwm);
  }
}
