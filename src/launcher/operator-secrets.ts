/**
 * What of the operator's an agent must not see, read off the config: the files to
 * hide (the data directory with its keys, secret store and audit trail; the config
 * file; the CA key; every `file:` secret; mTLS keys and log files named anywhere) and
 * the environment variables to drop (every `env:` secret). Walks the whole config by
 * key name rather than listing sections, so a section added later is covered too.
 */
import { isAbsolute, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';

export interface OperatorSecrets {
  /** Absolute paths, deduplicated; some may not exist. */
  paths: string[];
  /** Variable names from `env:NAME` references. */
  envNames: string[];
}

/** Keys whose string value is a file an agent has no business reading. */
const FILE_KEYS = new Set(['key', 'ca_key', 'file', 'path']);

/**
 * @example
 * const { paths, envNames } = operatorSecrets(loaded);
 * // paths: ['/srv/sluice/data', '/etc/sluice/sluice.yaml', '/srv/sluice/data/ca-key.pem', ...]
 */
export function operatorSecrets(loaded: LoadedConfig): OperatorSecrets {
  const paths = new Set<string>([loaded.config.data_dir, loaded.file, loaded.config.tls.ca_key]);
  const envNames = new Set<string>();
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(loaded.dir, p));
  const walk = (v: unknown, key: string | undefined, depth: number): void => {
    if (depth > 32) return;
    if (typeof v === 'string') {
      if (key === 'secret' && v.startsWith('env:')) envNames.add(v.slice(4));
      else if (key === 'secret' && v.startsWith('file:')) paths.add(at(v.slice(5)));
      else if (key !== undefined && FILE_KEYS.has(key) && v !== '' && !v.includes('\0')) paths.add(at(v));
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, key, depth + 1);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, k, depth + 1);
    }
  };
  walk(loaded.config, undefined, 0);
  return { paths: [...paths], envNames: [...envNames] };
}
