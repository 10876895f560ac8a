import { existsSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { loadCa, type LoadedCa } from '../tls/ca.js';
import { UsageError } from '../usage-error.js';

/** The gate's CA named by the config, with a fix-it message when it is missing. */
export async function loadConfiguredCa(config: Config): Promise<LoadedCa> {
  const { ca_cert, ca_key } = config.tls;
  if (!existsSync(ca_cert) || !existsSync(ca_key)) {
    throw new UsageError(
      `the interception CA is missing (${existsSync(ca_cert) ? ca_key : ca_cert}); ` +
        `create one with 'sluice init --dir ${config.data_dir}', or set tls.ca_cert and tls.ca_key`,
    );
  }
  return loadCa(ca_cert, ca_key);
}
