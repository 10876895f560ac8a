import { loadConfig } from '../config/load.js';
import { dataDirDespiteErrors } from '../config/data-dir-only.js';
import { stateDespiteErrors } from '../config/state-only.js';
import type { RuntimeSource } from '../runtime/index.js';
import { ConfigError } from '../errors.js';

/**
 * The data directory for a command that needs nothing else (revoke, audit): from the
 * config when it loads; when it does not, from its `data_dir` line (or its folder),
 * saying on stderr that the rest of the file was ignored and why. Only a config whose
 * data directory cannot be told at all is still an error.
 *
 * @example
 * const dataDir = await dataDirFor(configPath(values.config), 'revoke');
 */
export async function dataDirFor(file: string, command: string): Promise<string> {
  try {
    return (await loadConfig(file)).config.data_dir;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const found = dataDirDespiteErrors(file);
    if (found === null) throw err;
    const first = err.message.split('\n')[0] ?? '';
    const where = found.from === 'data_dir' ? 'its data_dir' : 'its folder';
    process.stderr.write(
      `sluice ${command}: warning: the config is invalid and was ignored; using the data directory ${found.dir} (${where}).\n` +
        `  first problem: ${first}\n  ('sluice policy check' lists them all; a running gate keeps serving its last good policy)\n`,
    );
    return found.dir;
  }
}

/**
 * Where an emergency command's state is: the loaded config (its `state:` backend, so a
 * `sluice revoke` on a replica's config reaches PostgreSQL), or, when the config does
 * not load, its data directory (dataDirFor) with the `state:` section read on its own.
 * A config whose `state:` section itself is broken is an error: guessing the embedded
 * backend would record a revocation no replica reads.
 *
 * @example
 * const { revocations } = await openRuntime(await stateSourceFor(configPath(values.config), 'revoke'), { need: ['revocations'] });
 */
export async function stateSourceFor(file: string, command: string): Promise<RuntimeSource> {
  try {
    return await loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const state = stateDespiteErrors(file);
    if (state === 'invalid') throw err;
    const dataDir = await dataDirFor(file, command);
    return state === 'absent' ? { dataDir } : { dataDir, state };
  }
}
