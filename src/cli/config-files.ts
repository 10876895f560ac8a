/**
 * The files a config names outside itself (routes' CA, certificate and key;
 * tls.upstream_ca), read as the gate reads them at start. The schema cannot see a
 * missing file; without this, `policy check` called such a config ok and `start`
 * failed on it with exit 1, as if the config were fine and the gate broken.
 */
import type { LoadedConfig } from '../config/load.js';
import { ErrorCode, SluiceError } from '../errors.js';
import { buildRoutes } from '../net/routes.js';
import { upstreamTrust } from '../tls/trust.js';
import { UsageError } from '../usage-error.js';

/**
 * Resolves when every named file is readable and usable; else UsageError (exit 2)
 * with the setting and the file.
 *
 * @example
 * await checkConfigFiles(loaded); // throws UsageError('invalid config: routes.internal.ca: cannot read ...')
 */
export async function checkConfigFiles(loaded: LoadedConfig): Promise<void> {
  try {
    await buildRoutes(loaded.config.routes, await upstreamTrust(loaded.config.tls.upstream_ca));
  } catch (err) {
    if (err instanceof SluiceError && (err.code === ErrorCode.CONFIG_INVALID || err.code === ErrorCode.TLS_CA)) {
      throw new UsageError(`invalid config: ${loaded.file}: ${err.message}`);
    }
    throw err;
  }
}
