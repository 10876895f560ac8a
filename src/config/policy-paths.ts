/**
 * Make the paths in `routes:` (ca, cert, key) and `audit.jsonl` absolute,
 * relative to the config file's folder like every other path in the config.
 *
 * `file:` secret references in credentials are left as written: the secret's
 * name is what decisions and audit records carry, so it must not change with
 * where the config lives; the secret store resolves it against the same folder.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Config } from './schema.js';

/**
 * @example
 * const cfg = resolvePolicyPaths(loaded.config, loaded.dir);
 * cfg.routes['internal-tickets']?.ca; // '/etc/sluice/tickets-ca.pem'
 */
export function resolvePolicyPaths<C extends Pick<Config, 'routes' | 'audit'>>(config: C, dir: string): C {
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(dir, p));
  const opt = (p: string | undefined): string | undefined => (p === undefined ? undefined : at(p));
  const routes: Config['routes'] = {};
  for (const [name, r] of Object.entries(config.routes)) {
    routes[name] = { ...r, ca: opt(r.ca), cert: opt(r.cert), key: opt(r.key) };
  }
  const jsonl = config.audit.jsonl;
  return { ...config, routes, audit: { ...config.audit, jsonl: jsonl === false || jsonl === 'stdout' ? jsonl : at(jsonl) } };
}
