import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../usage-error.js';

export const DEFAULT_DIR = '.sluice';
export const CONFIG_NAME = 'sluice.yaml';

/**
 * Which config file a command uses: `--config`, else `$SLUICE_CONFIG`, else
 * `./.sluice/sluice.yaml` (what `sluice init` writes).
 */
export function configPath(flag: string | undefined): string {
  const p = resolve(flag ?? process.env.SLUICE_CONFIG ?? `${DEFAULT_DIR}/${CONFIG_NAME}`);
  if (!existsSync(p)) {
    throw new UsageError(flag ? `config file not found: ${p}` : `no config file at ${p}; run 'sluice init' first, or pass --config FILE`);
  }
  return p;
}
