/**
 * Shared state. Today: revocations, embedded in SQLite. `state.backend` in the config
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

export type { RevocationEntry, RevocationKind, RevocationRequest, RevocationStore, RevocationTarget, RevocationUndo } from './revocations.js';
export { REVOCATION_KINDS } from './revocations.js';
export type { SqliteRevocationOptions } from './sqlite-revocations.js';
export { STATE_DB_FILE } from './sqlite-db.js';

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
