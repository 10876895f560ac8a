import type { StateConfig } from '../config/state-section.js';
import { SharedConnections } from '../state/shared-backend.js';
import { comparePins } from '../inspect/mcp/pins.js';
import { openRevocationStore, openStopStore, type RevocationStoreOptions, type StopStoreOptions } from '../state/index.js';
import { openApprovalStore, type ApprovalStoreOptions } from '../state/index.js';
import type { ApprovalStore } from '../state/approvals.js';
import type { StopStore } from '../state/stops.js';
import type { BudgetStore } from '../state/budgets.js';
import { openBudgetStore, type SqliteBudgetOptions } from '../state/sqlite-budgets.js';
import type { RevocationStore } from '../state/revocations.js';
import { openToolPinStore, type ToolPinStore, type ToolPinStoreOptions } from '../state/tool-pins.js';
import type { RateBucketStore } from '../state/rate-buckets.js';
import { openRateBucketStore, type RateBucketStoreOptions } from '../state/sqlite-rate-buckets.js';
import type { BlastRadiusStore } from '../state/blast-radius.js';
import { openBlastRadiusStore, type BlastRadiusStoreOptions } from '../state/sqlite-blast-radius.js';

/** Pin store options a consumer chooses; the comparison is the runtime's (the scanner's definition of a tool). */
export type PinOptions = Omit<ToolPinStoreOptions, 'compare'>;

/** How one backend opens the shared state. Every opener is async so a network backend fits the same call. */
export interface StateBackend {
  revocations(opts: RevocationStoreOptions): Promise<RevocationStore>;
  pins(opts: PinOptions): Promise<ToolPinStore>;
  stops(opts: StopStoreOptions): Promise<StopStore>;
  /** Budget counters: the in-memory ledger over this backend. */
  budgets(opts: SqliteBudgetOptions): Promise<BudgetStore>;
  approvals(opts: ApprovalStoreOptions): Promise<ApprovalStore>;
  /** Rate-limit token buckets (state/rate-buckets.ts: the interface a backend implements). */
  rateBuckets(opts: RateBucketStoreOptions): Promise<RateBucketStore>;
  /** Per-session blast radius: critical domains written, tool-call counts (state/blast-radius.ts). */
  blastRadius(opts: BlastRadiusStoreOptions): Promise<BlastRadiusStore>;
}

/** A store the shared backend does not have yet: the runtime fails to open with this, never falls back to a local file. */
function notBuilt(what: string): Promise<never> {
  return Promise.reject(new Error(`state.backend postgres: the ${what} store is not available in this build`));
}

/**
 * The backend `state.backend` names: the embedded SQLite database on `dataDir`, or
 * PostgreSQL and Redis shared by replicas (state/shared-backend.ts).
 *
 * @example
 * const pins = await stateBackend({ backend: 'sqlite', namespace: 'sluice', redis_down: 'refuse' }, dataDir).pins({});
 */
export function stateBackend(state: StateConfig, dataDir: string): StateBackend {
  switch (state.backend) {
    case 'sqlite':
      return {
        revocations: (opts) => openRevocationStore(dataDir, opts),
        pins: (opts) => attempt(() => openToolPinStore(dataDir, { ...opts, compare: comparePins })),
        stops: (opts) => openStopStore(dataDir, opts),
        budgets: (opts) => attempt(() => openBudgetStore(dataDir, opts)),
        approvals: (opts) => openApprovalStore(dataDir, opts),
        rateBuckets: (opts) => attempt(() => openRateBucketStore(dataDir, opts)),
        blastRadius: (opts) => attempt(() => openBlastRadiusStore(dataDir, opts)),
      };
    case 'postgres': {
      // Connections are made when the first store opens, and ended when the last closes.
      let shared: SharedConnections | null = null;
      const conn = (): SharedConnections => (shared ??= new SharedConnections(state));
      void conn;
      return {
        revocations: () => notBuilt('revocation'),
        pins: () => notBuilt('tool pin'),
        stops: () => notBuilt('kill switch and quarantine'),
        budgets: () => notBuilt('budget'),
        approvals: () => notBuilt('approval'),
        rateBuckets: () => notBuilt('rate limit'),
        blastRadius: () => notBuilt('blast radius'),
      };
    }
  }
}

function attempt<T>(open: () => T): Promise<T> {
  try {
    return Promise.resolve(open());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
