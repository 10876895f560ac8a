import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { openRuntime } from '../runtime/index.js';
import type { ApprovalStore } from '../state/approvals.js';

/**
 * The gate's approval store: the caller's when given (an embedder's runtime), else one
 * the gate opens (and closes) itself, watching `state.db` for decisions `sluice
 * approvals` writes from another process. An unreadable store is logged; a request
 * that needs an approval is refused meanwhile (the store's reads throw past their bound).
 *
 * @example
 * const approvals = await gateApprovals(loaded, undefined, logger);
 */
export async function gateApprovals(
  loaded: LoadedConfig,
  given: ApprovalStore | undefined,
  logger: Logger,
): Promise<{ store: ApprovalStore; close(): Promise<void> }> {
  if (given !== undefined) return { store: given, close: () => Promise.resolve() };
  const rt = await openRuntime(loaded, { need: ['approvals'], approvals: { onError: (err) => logger.error({ err }, 'approval state unreadable') } });
  return { store: rt.approvals, close: rt.close };
}
