import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { exec } from '../helpers/exec.js';
import type { ExecResult } from '../helpers/exec.js';

/** A fresh temp folder, removed after the test file. */
export async function tempDir(prefix = 'sluice-id-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A data dir with a minimal config file (data_dir defaults to the config's folder). */
export async function configDir(): Promise<{ dir: string; configFile: string }> {
  const dir = await tempDir('sluice-cfg-');
  const configFile = join(dir, 'sluice.yaml');
  await writeFile(configFile, 'version: 1\n');
  return { dir, configFile };
}

/** URL of a compiled module under dist/src, from a compiled test under dist/test/<dir>/. */
export function distModule(rel: string): string {
  return new URL(`../../src/${rel}`, import.meta.url).href;
}

/**
 * Run a CLI command's `run(argv)` in a separate Node process, as main.ts would: exit
 * code from run(), 2 for a UsageError, 1 for anything else thrown (message on stderr).
 */
export function runCli(command: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ExecResult> {
  const script = `
    const m = await import(${JSON.stringify(distModule(`cli/${command}.js`))});
    try { process.exitCode = await m.run(JSON.parse(process.argv[1])); }
    catch (err) { process.stderr.write(String(err.message) + '\\n'); process.exitCode = err.name === 'UsageError' || String(err.code).startsWith('ERR_PARSE_ARGS') ? 2 : 1; }`;
  return exec(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(argv)], { env });
}

/** Run an ES module snippet in a separate Node process. */
export function runNode(script: string, timeoutMs = 20_000): Promise<ExecResult> {
  return exec(process.execPath, ['--input-type=module', '-e', script], { timeoutMs });
}

/** Every string an error exposes: message, stack, details, as text. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const extra = Object.entries(err).map(([k, v]) => `${k}=${safeJson(v)}`);
  return [err.message, err.stack ?? '', ...extra, err.cause === undefined ? '' : errorText(err.cause)].join('\n');
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
