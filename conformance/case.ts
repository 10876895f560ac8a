/**
 * agent-egress-bench cases (schema v1): types and loading. Any directory of case
 * files is accepted, searched recursively; a file that is not a valid case stops the
 * run with its path and what was wrong (a measurement on a half-read corpus is worse
 * than none).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

export type Verdict = 'block' | 'allow';

/** One case as the corpus writes it (docs/SPEC.md, schemas/case.schema.json). */
export interface BenchCase {
  schema_version: 1;
  id: string;
  category: string;
  title: string;
  description: string;
  input_type: string;
  transport: string;
  payload: Record<string, unknown>;
  expected_verdict: Verdict;
  severity: string;
  capability_tags: string[];
  requires: string[];
  false_positive_risk: string;
  why_expected: string;
  notes: string;
  source: string;
  safe_example?: boolean;
  supersedes?: string;
}

/** A case and the file it came from. */
export interface LoadedCase {
  file: string;
  case: BenchCase;
}

export class CaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaseError';
  }
}

const STRING_FIELDS = [
  'id',
  'category',
  'title',
  'description',
  'input_type',
  'transport',
  'severity',
  'false_positive_risk',
  'why_expected',
  'notes',
  'source',
] as const;

/**
 * Every `*.json` under `path` (or `path` itself if it is a file), sorted by path, parsed
 * and checked against the fields a runner relies on. Throws CaseError naming the file.
 *
 * @example
 * const cases = await loadCases('../shared/conformance/agent-egress-bench/cases');
 */
export async function loadCases(path: string): Promise<LoadedCase[]> {
  let files: string[];
  try {
    files = (await stat(path)).isDirectory() ? await jsonFilesUnder(path) : [path];
  } catch (err) {
    throw new CaseError(`cannot read cases at ${path}: ${(err as Error).message}`);
  }
  files.sort();
  const out: LoadedCase[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new CaseError(`${shown}: not valid JSON (${(err as Error).message})`);
    }
    const c = checkCase(raw, shown);
    const dup = seen.get(c.id);
    if (dup !== undefined) throw new CaseError(`${shown}: case id '${c.id}' is also used by ${dup}`);
    seen.set(c.id, shown);
    out.push({ file, case: c });
  }
  if (out.length === 0) throw new CaseError(`no case files (*.json) under ${path}`);
  return out;
}

async function jsonFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await jsonFilesUnder(p)));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(p);
  }
  return out;
}

function checkCase(raw: unknown, file: string): BenchCase {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CaseError(`${file}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  if (o.schema_version !== 1) throw new CaseError(`${file}: schema_version: expected 1; got ${JSON.stringify(o.schema_version)}`);
  for (const k of STRING_FIELDS) {
    if (typeof o[k] !== 'string') throw new CaseError(`${file}: ${k}: expected a string; got ${JSON.stringify(o[k])}`);
  }
  if (o.id === '') throw new CaseError(`${file}: id: expected a non-empty string`);
  if (o.expected_verdict !== 'block' && o.expected_verdict !== 'allow') {
    throw new CaseError(`${file}: expected_verdict: expected "block" or "allow"; got ${JSON.stringify(o.expected_verdict)}`);
  }
  for (const k of ['capability_tags', 'requires'] as const) {
    const v = o[k];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new CaseError(`${file}: ${k}: expected an array of strings`);
  }
  if (typeof o.payload !== 'object' || o.payload === null || Array.isArray(o.payload)) throw new CaseError(`${file}: payload: expected an object`);
  return raw as BenchCase;
}
