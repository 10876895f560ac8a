/**
 * A CommonJS package loaded the first time it is used, not when the module naming it
 * loads. The backends' and exporters' clients (pg, ioredis, undici's for a webhook)
 * took 100-350 ms each to load, in every `sluice` command that reads the config and
 * every gate start, while most configs use none of them. Only for CommonJS packages:
 * Node 20 cannot `require` an ES module.
 *
 * @example
 * const pg = lazyRequire<typeof PgModule>('pg');
 * const pool = new (pg().Pool)({ connectionString });
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function lazyRequire<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= load(id) as T);
}
