/**
 * Which control socket a client command (`sluice run`, `sluice mcp`, `sluice status`)
 * talks to: `--control`, else `$SLUICE_CONTROL`, else the config's `control.socket`
 * (default `<data_dir>/control.sock`). An agent user that cannot read the operator's
 * config passes the socket instead; it needs nothing else from the data directory.
 */
import { resolve } from 'node:path';
import { SluiceError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { configPath } from './paths.js';
import { UsageError } from './usage-error.js';

export async function controlSocket(flags: { control?: string | undefined; config?: string | undefined }): Promise<string> {
  const given = flags.control ?? process.env.SLUICE_CONTROL;
  if (given !== undefined && given !== '') return resolve(given);
  try {
    return (await loadConfig(configPath(flags.config))).config.control.socket;
  } catch (err) {
    if (err instanceof UsageError || err instanceof SluiceError) {
      throw new UsageError(`${err.message}\n(to reach a gate without its config, pass --control SOCKET or set SLUICE_CONTROL)`);
    }
    throw err;
  }
}
