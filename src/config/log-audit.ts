import type { Config } from './schema.js';

/**
 * Whether the gate's log carries one line per audit record. `log.audit` decides when
 * set. Unset: not on the console when audit.db or audit.jsonl keeps the records (a
 * person reading the gate's stderr wants what the gate does, not a JSON line per
 * request; `sluice audit tail` shows those); yes in a `log.file` (read by tools).
 * With no other sink the log is the trail, so it carries them whatever is set.
 *
 * @example
 * logCarriesAudit(config); // false for the starter config: audit.db, log on stderr
 */
export function logCarriesAudit(c: { log: Pick<Config['log'], 'audit' | 'file'>; audit: Pick<Config['audit'], 'sqlite' | 'jsonl'> }): boolean {
  if (!c.audit.sqlite && c.audit.jsonl === false) return true;
  return c.log.audit ?? c.log.file !== undefined;
}
