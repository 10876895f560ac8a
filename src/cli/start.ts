import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { parseListen } from '../config/listen-address.js';
import { createLogger } from '../logger.js';
import { Gate } from '../proxy/gate.js';
import { loadConfiguredCa } from './load-ca.js';
import { configPath } from './paths.js';
import { UsageError } from './usage-error.js';

export const help = `sluice start [--config FILE] [--listen HOST:PORT]

Run the gate in the foreground. Prints where it listens and the CA path.
Stops cleanly on SIGINT or SIGTERM.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, listen: { type: 'string' } },
    strict: true,
  });
  const loaded = await loadConfig(configPath(values.config));
  let listen;
  if (values.listen !== undefined) {
    try {
      listen = parseListen(values.listen);
    } catch (err) {
      throw new UsageError(`--listen: ${(err as Error).message}`);
    }
  }
  const ca = await loadConfiguredCa(loaded.config);
  const logger = createLogger({ level: loaded.config.log.level, file: loaded.config.log.file });
  const gate = await Gate.start({ loaded, ca, logger, ...(listen ? { listen } : {}) });
  process.stdout.write(
    `sluice listening on ${gate.url}\n` +
      `CA certificate: ${loaded.config.tls.ca_cert}\n` +
      `policy ${loaded.version}: ${loaded.config.rules.length} rule(s), deny by default\n`,
  );
  logger.info({ url: gate.url, policy_version: loaded.version, config: loaded.file }, 'gate started');
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping');
      void gate.close().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  logger.flush();
  return 0;
}
