/**
 * `workers: N`: how many processes serve the proxy listener (cli/start-workers.ts).
 * Each worker is a whole gate on the same port; what they share must be shared
 * correctly, so a config whose state cannot be is refused here, at load, naming the
 * setting (never a gate that quietly lets an agent spend a budget N times).
 *
 * With the embedded backend (`state.db`), revocations, kill switch and quarantines,
 * approvals, pins and the blast radius are read and written through the database by
 * every process (they already are by `sluice mcp` beside the gate); budgets and rate
 * limits are counted in each process's memory and written in batches, so N workers
 * would each let an agent spend the whole limit: those need `state.backend: postgres`
 * (counters in Redis, checked and charged by one script). See docs/design-notes.md,
 * "Several workers on one port".
 *
 * @example
 * workers: 2          # default 1: one process, as without the setting
 */
import { intInRange } from './fields.js';

/** At most this many workers (a typo of 1000 would fork a thousand gates). */
export const MAX_WORKERS = 256;

export const workersField = intInRange(1, MAX_WORKERS, ' (processes)').default(1);

/** One reason a config cannot run on several workers. */
export interface WorkersProblem {
  path: (string | number)[];
  message: string;
}

interface Shape {
  workers?: unknown;
  state?: { backend?: unknown } | null;
  budgets?: unknown;
  rate_limits?: { per_identity?: unknown; per_host?: unknown } | null;
  rules?: unknown;
  audit?: { jsonl?: unknown } | null;
}

/**
 * Why `config` cannot run with its `workers` (empty: it can). Works on the parsed
 * config and, when other sections failed, on what was read.
 *
 * @example
 * workersProblems({ workers: 2, budgets: { b: { per: 'session', calls: 10 } } });
 * // [{ path: ['workers'], message: 'workers: 2 needs state.backend: postgres for budgets ...' }]
 */
export function workersProblems(config: Shape): WorkersProblem[] {
  const n = config.workers;
  if (typeof n !== 'number' || n <= 1) return [];
  const out: WorkersProblem[] = [];
  const counted: string[] = [];
  if (config.state?.backend !== 'postgres') {
    const budgets = config.budgets;
    if (typeof budgets === 'object' && budgets !== null && Object.keys(budgets).length > 0)
      counted.push(`budgets (${Object.keys(budgets).slice(0, 3).join(', ')}${Object.keys(budgets).length > 3 ? ', ...' : ''})`);
    const gate = config.rate_limits;
    if (gate?.per_identity !== undefined) counted.push('rate_limits.per_identity');
    if (gate?.per_host !== undefined) counted.push('rate_limits.per_host');
    const limited = Array.isArray(config.rules)
      ? config.rules.filter((r: unknown) => typeof r === 'object' && r !== null && (r as { rate_limit?: unknown }).rate_limit !== undefined)
      : [];
    if (limited.length > 0) {
      const ids = limited.slice(0, 3).map((r) => {
        const id = (r as { id?: unknown }).id;
        return typeof id === 'string' ? id : '?';
      });
      counted.push(`the rate_limit of rule${limited.length > 1 ? 's' : ''} ${ids.join(', ')}${limited.length > 3 ? ', ...' : ''}`);
    }
  }
  if (counted.length > 0) {
    out.push({
      path: ['workers'],
      message:
        `workers: ${n} needs state.backend: postgres (with redis) for ${counted.join(', ')}: with the embedded state.db each ` +
        `worker counts these in its own memory, so an agent could spend a limit ${n} times; set workers: 1, or move the state to PostgreSQL and Redis`,
    });
  }
  if (config.audit?.jsonl === 'stdout') {
    out.push({
      path: ['audit', 'jsonl'],
      message: `audit.jsonl: stdout cannot be shared by workers: ${n}: two processes writing long lines to one pipe may interleave them; write to a file (audit.jsonl: /var/log/sluice/audit.jsonl), or set workers: 1`,
    });
  }
  return out;
}
