/** Shared by the hash-chain tests: a real trail from a config file, and the real `sluice audit` CLI. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { AuditRecord } from '../../src/audit/fields.js';
import { buildAuditTrail } from '../../src/audit/trail-from-config.js';
import type { AuditTrail } from '../../src/audit/trail.js';
import { loadConfig } from '../../src/config/load.js';
import { exec, type ExecResult } from '../helpers/exec.js';

const MOD = new URL('../../src/cli/audit.js', import.meta.url).href;
const SCRIPT = `import(${JSON.stringify(MOD)}).then((m) => m.run(process.argv.slice(1))).then(
  (c) => { process.exitCode = c; },
  (e) => { process.stderr.write('sluice: ' + e.message + '\\n'); process.exitCode = e.name === 'UsageError' ? 2 : 1; })`;

/** `sluice audit ARGS` in a child process. */
export function auditCli(args: readonly string[]): Promise<ExecResult> {
  return exec(process.execPath, ['-e', SCRIPT, '--', ...args]);
}

/** Write `sluice.yaml` (data_dir = `dir`) with `extra` YAML under `audit:`; returns its path. */
export function writeConfig(dir: string, extra = ''): string {
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, `version: 1\ndata_dir: ${dir}\naudit:\n  chain:\n    checkpoint_records: 10\n${extra}`);
  return file;
}

/** The gate's trail as `sluice start` builds it (journal, threaded SQLite sink, chain). */
export async function openTrail(configFile: string): Promise<AuditTrail> {
  const { config } = await loadConfig(configFile);
  return buildAuditTrail(config, pino({ level: 'silent' }));
}

/** Write records through the trail as the gate does (opened, then finished), one turn at a time. */
export async function writeThrough(trail: AuditTrail, records: readonly AuditRecord[]): Promise<void> {
  for (const r of records) {
    trail.begin(r);
    trail.write(r);
    if (Math.random() < 0.2) await new Promise((res) => setImmediate(res));
  }
  await new Promise((res) => setImmediate(res));
}
