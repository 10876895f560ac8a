import { loadConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import type { RuntimeSource } from '../runtime/open-runtime.js';
import { dataDirFor } from './emergency-config.js';

/**
 * What a read-only command opens its runtime from: the loaded config (so its
 * `state:` section applies: `sluice audit` reads the shared trail in PostgreSQL with
 * `backend: postgres`), or, when the config does not load, only its data directory
 * (emergency-config.ts says so on stderr).
 *
 * @example
 * const rt = await openRuntime(await runtimeSourceFor(configPath(values.config), 'audit query'), { need: ['auditReader'] });
 */
export async function runtimeSourceFor(file: string, command: string): Promise<RuntimeSource> {
  try {
    return await loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { dataDir: await dataDirFor(file, command) };
  }
}
