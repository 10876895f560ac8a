/**
 * Which control socket a client command (`sluice run`, `sluice mcp`, `sluice status`)
 * talks to: `--control`, else `$SLUICE_CONTROL`, else the config's `control.socket`
 * (default `<data_dir>/control.sock`). An agent user that cannot read the operator's
 * config passes the socket instead; it needs nothing else from the data directory.
 * `emergency` names a command that must work with a broken config (`sluice status`
 * after a bad edit): it then takes `<data_dir>/control.sock` and says so.
 */
import { join, resolve } from 'node:path';
import { ConfigError, SluiceError } from '../errors.js';
import { dataDirFor } from './emergency-config.js';
import { loadConfig } from '../config/load.js';
import { configPath } from './paths.js';
import { UsageError } from '../usage-error.js';

export async function controlSocket(flags: { control?: string | undefined; config?: string | undefined }, emergency?: string): Promise<string> {
  const given = flags.control ?? process.env.SLUICE_CONTROL;
  if (given !== undefined && given !== '') return resolve(given);
  try {
    return (await loadConfig(configPath(flags.config))).config.control.socket;
  } catch (err) {
    if (emergency !== undefined && err instanceof ConfigError) {
      const socket = join(await dataDirFor(configPath(flags.config), emergency), 'control.sock');
      process.stderr.write(`sluice ${emergency}: asking the control socket ${socket} (if control.socket names another, pass --control SOCKET)\n`);
      return socket;
    }
    if (err instanceof UsageError || err instanceof SluiceError) {
      throw new UsageError(`${err.message}\n(to reach a gate without its config, pass --control SOCKET or set SLUICE_CONTROL)`);
    }
    throw err;
  }
}
