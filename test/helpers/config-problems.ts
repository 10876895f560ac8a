/**
 * Every problem config load reports for a config, as `line:col path: message`, so a
 * failing test shows the whole list.
 *
 * @example
 * assert.deepEqual(configProblems(['version: 1', 'budgets: 3']), ['2:10 budgets: ...']);
 */
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

/** The file name problems are reported against. */
export const CONFIG_FILE = '/etc/sluice/sluice.yaml';

export function configProblems(lines: string[]): string[] {
  try {
    parseConfig(lines.join('\n'), CONFIG_FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  }
  return assert.fail('expected a ConfigError');
}
