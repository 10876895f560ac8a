import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { openRuntime } from '../runtime/index.js';
import type { BudgetStore } from '../state/budgets.js';

/** The gate's budget store, and how to let go of it (written out, and closed if the gate opened it). */
export interface GateBudgets {
  readonly store: BudgetStore;
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
  const rt = await openRuntime(loaded, { need: ['budgets'], budgets: { onError: (err) => logger.error({ err }, 'budget counts could not be written') } });
  return { store: rt.budgets, close: () => rt.close() };
}
