import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { openRuntime } from '../runtime/index.js';
import type { BudgetStore } from '../state/budgets.js';

/** The gate's budget store, and how to let go of it (written out, and closed if the gate opened it). */
export interface GateBudgets {
  /** Absent: no budget is configured on the shared backend, nothing is counted. */
  readonly store: BudgetStore | undefined;
  close(): Promise<void>;
}

/**
 * The gate's budget store: the caller's runtime's when it has one, else one the gate
 * opens (and closes, writing out what it counted) itself. A batch that cannot be
 * written is logged and kept for the next one.
 *
 * @example
 * const budgets = await gateBudgets(loaded, opts.runtime?.budgets, logger);
 */
export async function gateBudgets(loaded: LoadedConfig, given: BudgetStore | undefined, logger: Logger): Promise<GateBudgets> {
  if (given !== undefined) return { store: given, close: () => Promise.resolve(given.flush()) };
  // On the shared backend the counters live in Redis: a gate with no budget opens no
  // counters (and needs none to start).
  if (loaded.config.state.backend === 'postgres' && Object.keys(loaded.config.budgets).length === 0)
    return { store: undefined, close: () => Promise.resolve() };
  const rt = await openRuntime(loaded, { need: ['budgets'], budgets: { onError: (err) => logger.error({ err }, 'budget counts could not be written') } });
  return { store: rt.budgets, close: () => rt.close() };
}
