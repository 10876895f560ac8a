import type { StateBackendName } from '../config/state-section.js';
import { comparePins } from '../inspect/mcp/pins.js';
import { openRevocationStore, openStopStore, type RevocationStoreOptions, type StopStoreOptions } from '../state/index.js';
import { openApprovalStore, type ApprovalStoreOptions } from '../state/index.js';
import type { ApprovalStore } from '../state/approvals.js';
import type { StopStore } from '../state/stops.js';
import type { BudgetStore } from '../state/budgets.js';
import { openBudgetStore, type SqliteBudgetOptions } from '../state/sqlite-budgets.js';
import type { RevocationStore } from '../state/revocations.js';
import { openToolPinStore, type ToolPinStore, type ToolPinStoreOptions } from '../state/tool-pins.js';

/** Pin store options a consumer chooses; the comparison is the runtime's (the scanner's definition of a tool). */
export type PinOptions = Omit<ToolPinStoreOptions, 'compare'>;

/** How one backend opens the shared state. Revocations are async so a network backend fits the same call. */
export interface StateBackend {
  revocations(opts: RevocationStoreOptions): Promise<RevocationStore>;
  pins(opts: PinOptions): ToolPinStore;
  stops(opts: StopStoreOptions): Promise<StopStore>;
  /** Budget counters: the in-memory ledger over this backend. */
  budgets(opts: SqliteBudgetOptions): BudgetStore;
  approvals(opts: ApprovalStoreOptions): Promise<ApprovalStore>;
}

/**
 * The backend `state.backend` names, on `dataDir`. Only `sqlite` exists; the config
 * schema (config/state-section.ts) refuses the rest at load, so this switch is where
 * postgres/ and redis/ plug in.
 *
 * @example
 * const pins = stateBackend('sqlite', dataDir).pins({});
 */
export function stateBackend(name: StateBackendName, dataDir: string): StateBackend {
  switch (name) {
    case 'sqlite':
      return {
        revocations: (opts) => openRevocationStore(dataDir, opts),
        pins: (opts) => openToolPinStore(dataDir, { ...opts, compare: comparePins }),
        stops: (opts) => openStopStore(dataDir, opts),
        budgets: (opts) => openBudgetStore(dataDir, opts),
        approvals: (opts) => openApprovalStore(dataDir, opts),
      };
  }
}
