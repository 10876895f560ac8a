/**
 * Load the config file: read it, parse the YAML, check it against the schema,
 * resolve paths. Any problem, YAML or schema, ends up in one ConfigError that
 * lists them all with file, line and column.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, ErrorCode } from '../errors.js';
import type { ConfigProblem } from '../errors.js';
import { issueProblems } from './issue-problems.js';
import { plainIssueMessage } from './issue-message.js';
import { resolvePaths } from './resolve-paths.js';
import { resolvePolicyPaths } from './policy-paths.js';
import { configSchema } from './schema.js';
import type { Config } from './schema.js';
import { readYaml } from './yaml-source.js';

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the config file. */
  file: string;
  /** Absolute folder of the config file; relative paths in the config resolve against it. */
  dir: string;
  /** First 12 hex characters of the sha256 of the file's bytes: names the policy version in decisions and audit records. */
  version: string;
  /** The file's text, as read. */
  raw: string;
}

/**
 * Parse config text. Pure: no I/O; `file` only names the source in messages and
 * anchors relative paths. Throws a ConfigError listing every problem.
 *
 * @example
 * const { config } = parseConfig('version: 1\n', '/etc/sluice/sluice.yaml');
 * config.listen; // { host: '127.0.0.1', port: 8877 }
 * config.data_dir; // '/etc/sluice'
 */
export function parseConfig(text: string, file: string): LoadedConfig {
  const abs = resolve(file);
  const dir = dirname(abs);
  const yaml = readYaml(text, abs);
  if (yaml.fatal.length > 0) throw new ConfigError(sorted(yaml.fatal));

  let data: unknown;
  try {
    data = yaml.doc.toJS();
  } catch (err) {
    // toJS refuses alias bombs (too many alias expansions) with a plain Error.
    throw new ConfigError([{ file: abs, path: '', message: `cannot read the YAML: ${(err as Error).message}` }]);
  }
  const problems = [...yaml.problems];
  const result = configSchema.safeParse(data, { error: plainIssueMessage });
  if (!result.success) problems.push(...issueProblems(result.error.issues, yaml.locator, abs));
  if (problems.length > 0 || !result.success) throw new ConfigError(sorted(problems));

  return {
    config: resolvePolicyPaths(resolvePaths(result.data, dir), dir),
    file: abs,
    dir,
    version: createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 12),
    raw: text,
  };
}

/**
 * Read and parse a config file. A file that cannot be read gives a ConfigError
 * with code SLUICE_CONFIG_UNREADABLE naming the file and the OS reason.
 *
 * @example
 * const loaded = await loadConfig('sluice.yaml');
 * console.log(`policy ${loaded.version}, ${loaded.config.rules.length} rules`);
 */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  const abs = resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(abs);
  } catch (err) {
    throw new ConfigError([{ file: abs, path: '', message: `cannot read the config file: ${osReason(err)}` }], ErrorCode.CONFIG_UNREADABLE);
  }
  // Keep a BOM in the text: parseConfig hashes the text re-encoded, which must equal the file's bytes.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ConfigError([{ file: abs, path: '', message: 'the file is not UTF-8 text; save it as UTF-8' }]);
  }
  return parseConfig(text, abs);
}

function osReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return "no such file (ENOENT); 'sluice init' writes a starter config";
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${e.code})`;
    case 'EISDIR':
      return 'it is a folder, not a file (EISDIR)';
    default:
      return e.code ? `${e.message} (${e.code})` : String(e.message ?? err);
  }
}

// Top to bottom, as a person fixes a file.
function sorted(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
