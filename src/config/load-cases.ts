/**
 * Load a `sluice policy test` cases file with the config loader's machinery:
 * YAML problems and schema problems alike come back in one ConfigError, each
 * with file, line and column.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, ErrorCode } from '../errors.js';
import type { ConfigProblem } from '../errors.js';
import { casesSchema, type PolicyCasesFile } from './cases-schema.js';
import { issueProblems } from './issue-problems.js';
import { plainIssueMessage } from './issue-message.js';
import { readYaml } from './yaml-source.js';

/**
 * Pure: `file` only names the source in messages.
 *
 * @example
 * const { cases } = parseCases('cases:\n  - name: x\n    request: GET https://a.test/\n    expect: { outcome: deny }\n', 'cases.yaml');
 */
export function parseCases(text: string, file: string): PolicyCasesFile {
  const abs = resolve(file);
  const yaml = readYaml(text, abs);
  if (yaml.fatal.length > 0) {
    // readYaml words an empty file for the config; say what a cases file needs instead.
    throw new ConfigError(
      yaml.fatal.map((p) =>
        p.path === '' && p.message.startsWith('the file has no settings') ? { ...p, message: "the file is empty; expected 'cases:' with a list of cases" } : p,
      ),
    );
  }
  let data: unknown;
  try {
    data = yaml.doc.toJS();
  } catch (err) {
    throw new ConfigError([{ file: abs, path: '', message: `cannot read the YAML: ${(err as Error).message}` }]);
  }
  const problems: ConfigProblem[] = [...yaml.problems];
  const result = casesSchema.safeParse(data, { error: plainIssueMessage });
  if (!result.success) problems.push(...issueProblems(result.error.issues, yaml.locator, abs));
  if (problems.length > 0 || !result.success) {
    throw new ConfigError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)));
  }
  return result.data;
}

/**
 * @example
 * const { cases } = await loadCases('policy-cases.yaml');
 */
export async function loadCases(file: string): Promise<PolicyCasesFile> {
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError([{ file: abs, path: '', message: `cannot read the cases file (${code})` }], ErrorCode.CONFIG_UNREADABLE);
  }
  return parseCases(text, abs);
}
