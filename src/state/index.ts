/**
 * Shared state. Today: revocations, the kill switch and quarantines, embedded in SQLite. `state.backend` in the config
 * chooses the backend (runtime/state-backend.ts); Redis and PostgreSQL plug in there.
 * Consumers take the store from runtime/ (openRuntime), not from here.
 *
 * @example
 * const store = await openRevocationStore(config.data_dir);
 * store.isRevoked(principal);
 */
import { SqliteRevocationStore } from './sqlite-revocations.js';
import type { SqliteRevocationOptions } from './sqlite-revocations.js';
import type { RevocationStore } from './revocations.js';
import { SqliteStopStore, type SqliteStopOptions } from './sqlite-stops.js';
import type { StopStore } from './stops.js';
import type { ApprovalStore } from './approvals.js';
import { SqliteApprovalStore, type SqliteApprovalOptions } from './sqlite-approvals.js';

export type { RevocationEntry, RevocationKind, RevocationRequest, RevocationStore, RevocationTarget, RevocationUndo } from './revocations.js';
export { REVOCATION_KINDS } from './revocations.js';
export type { SqliteRevocationOptions } from './sqlite-revocations.js';
export { STATE_DB_FILE } from './sqlite-db.js';
export type { KillEntry, QuarantineEntry, StopLift, StopStore } from './stops.js';
export { quarantineId } from './stops.js';
export { parseQuarantineTarget } from './stop-target.js';
export type { SqliteStopOptions as StopStoreOptions } from './sqlite-stops.js';

export type RevocationStoreOptions = SqliteRevocationOptions;

/**
 * Open the revocation store for `dataDir` (`<dataDir>/state.db`), loaded and, unless
 * `watch: false`, watching for revocations other processes write. Async so a network
 * backend fits the same call.
 *
 * @example
 * const store = await openRevocationStore(dir, { pollMs: 100, onError: (e) => log.warn(e) });
 */
export function openRevocationStore(dataDir: string, opts: RevocationStoreOptions = {}): Promise<RevocationStore> {
  try {
    return Promise.resolve(SqliteRevocationStore.open(dataDir, opts));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * Open the kill switch and quarantine store for `dataDir` (the same `state.db`),
 * loaded and, unless `watch: false`, watching for what other processes write.
 *
 * @example
 * const stops = await openStopStore(dir, { participant: 'gate' });
 */
export function openStopStore(dataDir: string, opts: SqliteStopOptions = {}): Promise<StopStore> {
  try {
    return Promise.resolve(SqliteStopStore.open(dataDir, opts));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

export type { ApprovalDecision, ApprovalDiff, ApprovalEntry, ApprovalStatus, ApprovalStore, GrantScope, NewApproval } from './approvals.js';
export { approvalDigest } from './approvals.js';
export type { SqliteApprovalOptions as ApprovalStoreOptions } from './sqlite-approvals.js';

/**
 * Open the approval store for `dataDir` (the same `state.db`), loaded and, unless
 * `watch: false`, watching for decisions other processes write.
 *
 * @example
 * const approvals = await openApprovalStore(dir, { pollMs: 100 });
 */
export function openApprovalStore(dataDir: string, opts: SqliteApprovalOptions = {}): Promise<ApprovalStore> {
  try {
    return Promise.resolve(SqliteApprovalStore.open(dataDir, opts));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
