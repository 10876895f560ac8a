import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { openRuntime } from '../runtime/index.js';
import { STATE_DB_FILE, type StopStore } from '../state/index.js';

/**
 * The kill switch and quarantines in force on the config's data directory, for
 * `sluice explain` (it says when a host is quarantined or the gate killed). Read
 * once, not watched; null when there is no state yet (explain never creates it).
 *
 * @example
 * const stops = await stopsForExplain(loaded);
 * try { gateVerdict({ ...checks, ...(stops ? { stops: stops.store } : {}) }, ...); } finally { await stops?.close(); }
 */
export async function stopsForExplain(loaded: LoadedConfig): Promise<{ store: StopStore; close: () => Promise<void> } | null> {
  if (!existsSync(join(loaded.config.data_dir, STATE_DB_FILE))) return null;
  const rt = await openRuntime(loaded, { need: ['stops'], stops: { watch: false } });
  return { store: rt.stops, close: rt.close };
}
