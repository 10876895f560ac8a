/**
 * Make every path in a parsed config absolute. Relative paths are relative to
 * the config file's folder, not the working directory, so the same file means
 * the same thing wherever `sluice` is started from.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { Config, ParsedConfig } from './schema.js';

/**
 * @example
 * resolvePaths(parsed, '/etc/sluice').tls.ca_cert; // '/etc/sluice/ca.pem' by default
 */
export function resolvePaths(parsed: ParsedConfig, dir: string): Config {
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(dir, p));
  const dataDir = at(parsed.data_dir);
  const { tls, log, control } = parsed;
  return {
    ...parsed,
    data_dir: dataDir,
    tls: {
      ...tls,
      // An explicit CA path is relative to the config file like every other path; only the default lives in data_dir.
      ca_cert: tls.ca_cert === undefined ? join(dataDir, 'ca.pem') : at(tls.ca_cert),
      ca_key: tls.ca_key === undefined ? join(dataDir, 'ca-key.pem') : at(tls.ca_key),
      upstream_ca: tls.upstream_ca === undefined ? undefined : at(tls.upstream_ca),
    },
    log: { ...log, file: log.file === undefined ? undefined : at(log.file) },
    control: { ...control, socket: control.socket === undefined ? join(dataDir, 'control.sock') : at(control.socket) },
    middleware: parsed.middleware.map((m) => ({ ...m, module: at(m.module) })),
  };
}
