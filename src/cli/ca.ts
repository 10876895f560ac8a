import { readFile } from 'node:fs/promises';
import { loadConfig } from '../config/load.js';
import { parseFlags, shared } from './flags.js';
import { configPath } from './paths.js';
import { UsageError } from '../usage-error.js';

export const help = `sluice ca path|export [--config FILE]

path    print the path of the interception CA certificate
export  print the CA certificate (PEM), to install in a trust store`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, shared('config'));
  const sub = positionals[0];
  if (sub !== 'path' && sub !== 'export') throw new UsageError(`expected 'sluice ca path' or 'sluice ca export'`);
  const { config } = await loadConfig(configPath(values.config));
  if (sub === 'path') process.stdout.write(`${config.tls.ca_cert}\n`);
  else process.stdout.write(await readFile(config.tls.ca_cert, 'utf8'));
  return 0;
}
