/**
 * Sluice's agent-egress-bench runner.
 *
 *   npm run conformance -- [--cases DIR] [--profile FILE] [--out results.jsonl] [--strict]
 *
 * Prints one JSON result line per case on stdout, a per-category breakdown and the
 * summary line on stderr, and the summary line again as the last line of stdout.
 * Exit 0 whatever the scores (it is a measurement); 1 with --strict when any case
 * failed or errored; 2 on bad arguments, cases or profile; 3 when the gate could not
 * be started or died during the run.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CaseError, loadCases, type LoadedCase } from './case.js';
import { HarnessError, startHarness, type Harness } from './harness.js';
import { loadProfile, ProfileError, sluiceProfile, writeProfile } from './profile.js';
import { Tally, type ResultLine } from './result.js';
import { notApplicable, runCase, type RunIdentity } from './run-case.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_CASES = resolve(REPO_ROOT, '../shared/conformance/agent-egress-bench/cases');
export const DEFAULT_PROFILE = join(REPO_ROOT, 'conformance', 'sluice-profile.json');

const HELP = `npm run conformance -- [options]

  --cases DIR        directory of agent-egress-bench cases, searched recursively
                     (default ${DEFAULT_CASES})
  --profile FILE     tool profile (default conformance/sluice-profile.json)
  --out FILE         also write the result lines to FILE (JSONL)
  --strict           exit 1 if any case failed or errored
  --keep             keep the temp folder (gate config, audit.jsonl) and print its path
  --write-profile    write the built-in Sluice profile to --profile's path and exit
  --help`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        cases: { type: 'string' },
        profile: { type: 'string' },
        out: { type: 'string' },
        strict: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        'write-profile': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`conformance: ${(err as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const toolVersion = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const profileFile = resolve(values.profile ?? DEFAULT_PROFILE);
  if (values['write-profile']) {
    await writeProfile(profileFile, sluiceProfile(toolVersion));
    process.stderr.write(`wrote ${profileFile}\n`);
    return 0;
  }

  let cases: LoadedCase[];
  let profile;
  try {
    profile = await loadProfile(profileFile);
    cases = await loadCases(resolve(values.cases ?? DEFAULT_CASES));
  } catch (err) {
    if (err instanceof CaseError || err instanceof ProfileError) {
      process.stderr.write(`conformance: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (profile.tool_version !== toolVersion) {
    process.stderr.write(
      `conformance: note: profile says ${profile.tool} ${profile.tool_version}, package.json says ${toolVersion}; results use ${toolVersion}\n`,
    );
  }
  const who: RunIdentity = { tool: profile.tool, toolVersion };

  const out: WriteStream | null = values.out ? createWriteStream(resolve(values.out)) : null;
  const tally = new Tally();
  const byCategory = new Map<string, Tally>();
  const emit = (c: LoadedCase, r: ResultLine): void => {
    const text = `${JSON.stringify(r)}\n`;
    process.stdout.write(text);
    out?.write(text);
    tally.add(r.score);
    const t = byCategory.get(c.case.category) ?? new Tally();
    t.add(r.score);
    byCategory.set(c.case.category, t);
  };

  const applicable = cases.filter((c) => notApplicable(c.case, profile, who) === null);
  let harness: Harness | null = null;
  let exit = 0;
  try {
    if (applicable.length > 0) {
      try {
        harness = await startHarness({ keep: values.keep });
      } catch (err) {
        if (!(err instanceof HarnessError)) throw err;
        process.stderr.write(`conformance: ${err.message}\n`);
        return 3;
      }
      harness.fixtures.register(applicable.map((c) => c.case));
      if (values.keep) process.stderr.write(`conformance: harness folder ${harness.dir}\n`);
    }
    for (const c of cases) {
      const na = notApplicable(c.case, profile, who);
      if (na !== null) emit(c, na);
      else emit(c, await runCase(c.case, harness!, who));
    }
    if (harness?.gateExit()) {
      process.stderr.write(`conformance: the gate exited during the run:\n${harness.gateStderr().slice(-2000)}\n`);
      exit = 3;
    }
  } finally {
    await harness?.close();
    if (out) await new Promise<void>((r) => out.end(() => r()));
  }

  for (const [cat, t] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) {
    process.stderr.write(`  ${cat.padEnd(22)} ${t.line().replace(/^results: /, '')}\n`);
  }
  const summary = tally.line();
  process.stderr.write(`${summary}\n`);
  process.stdout.write(`${summary}\n`);
  if (exit !== 0) return exit;
  return values.strict && (tally.failed > 0 || tally.errors > 0) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`conformance: runner failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 3;
  },
);
