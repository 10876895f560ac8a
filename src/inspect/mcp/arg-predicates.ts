/**
 * Conditions on a tool call's arguments, as data. A predicate names an argument
 * by a dotted path (`path`, `options.mode`, `files[1].name`) and states one or
 * more tests that must all hold:
 *
 * - `equals`: strictly equal (no type coercion: `"1"` is not `1`);
 * - `in`: strictly equal to one of the listed values;
 * - `startsWith`: a string with this prefix (a plain string test: see `under`);
 * - `under`: a filesystem path inside this folder after resolving `.`, `..`
 *   and repeated separators ('/' and '\' both separate), so
 *   `/workspace/../etc/passwd` is not under `/workspace/`; relative paths and
 *   NUL bytes never match;
 * - `matches`: a JavaScript regex (unanchored, like `RegExp.test`; write `^...$`)
 *   checked for catastrophic-backtracking shapes when compiled, and tried only on
 *   values up to 64 KiB.
 *
 * A missing argument, or one of the wrong type, does not match. That is safe on
 * an allow rule (no match: the call falls through to the next rule or the
 * default); on a deny rule it means the rule does not apply, so state the
 * conditions on allow rules and deny by default.
 *
 * Explanations name the argument and the test, never the argument's value.
 *
 * @example
 * const p = compileArgPredicate({ path: 'path', under: '/workspace/' }, 'args[0]');
 * p.test({ path: '/workspace/src/a.ts' });   // true
 * p.explain({ path: '/workspace/../etc' });  // 'argument path is not under /workspace'
 */
import { checkRegexSafety, UnsafePatternError } from '../dlp/operator-patterns.js';

export interface ArgPredicateSpec {
  /** Dotted path into the arguments object; `[n]` indexes an array. */
  path: string;
  equals?: string | number | boolean;
  in?: readonly (string | number)[];
  startsWith?: string;
  under?: string;
  matches?: string;
}

export interface ArgPredicate {
  readonly spec: ArgPredicateSpec;
  test(args: unknown): boolean;
  /** null when the predicate holds, otherwise why not (without the value). */
  explain(args: unknown): string | null;
}

/** A rule that cannot be used; `field` says where (`args[0].matches`). */
export class McpRuleError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'McpRuleError';
  }
}

const MAX_MATCH_INPUT = 64 * 1024;
const MAX_REGEX = 1000;
type Seg = string | number;

/**
 * Compile one predicate; throws McpRuleError naming `where` and the problem.
 *
 * @example
 * compileArgPredicate({ path: 'mode', in: ['read', 'list'] }, 'args[1]').test({ mode: 'read' }) // true
 */
export function compileArgPredicate(spec: ArgPredicateSpec, where: string): ArgPredicate {
  const segs = parseArgPath(spec.path, `${where}.path`);
  const tests: Array<(v: unknown) => string | null> = [];
  const shown = spec.path;
  if (spec.equals !== undefined) {
    const want = spec.equals;
    if (!['string', 'number', 'boolean'].includes(typeof want)) throw new McpRuleError(`${where}.equals`, 'expected a string, number or boolean');
    tests.push((v) => (v === want ? null : `argument ${shown} does not equal ${JSON.stringify(want)}`));
  }
  if (spec.in !== undefined) {
    const list = spec.in;
    if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string' || typeof x === 'number')) {
      throw new McpRuleError(`${where}.in`, 'expected a non-empty list of strings or numbers');
    }
    const set = new Set<unknown>(list);
    tests.push((v) => (set.has(v) ? null : `argument ${shown} is not one of ${JSON.stringify(list)}`));
  }
  if (spec.startsWith !== undefined) {
    const prefix = requireString(spec.startsWith, `${where}.startsWith`);
    tests.push((v) =>
      typeof v !== 'string' ? notString(shown, v) : v.startsWith(prefix) ? null : `argument ${shown} does not start with ${JSON.stringify(prefix)}`,
    );
  }
  if (spec.under !== undefined) {
    const raw = requireString(spec.under, `${where}.under`);
    const folder = normalisePath(raw);
    if (folder === null) throw new McpRuleError(`${where}.under`, `expected an absolute path like "/workspace/"; got ${JSON.stringify(raw)}`);
    tests.push((v) => {
      if (typeof v !== 'string') return notString(shown, v);
      const p = normalisePath(v);
      const inside = p !== null && (folder === '/' || p === folder || p.startsWith(`${folder}/`));
      return inside ? null : `argument ${shown} is not under ${folder}`;
    });
  }
  if (spec.matches !== undefined) {
    const src = requireString(spec.matches, `${where}.matches`);
    const re = compileSafeRegex(src, `${where}.matches`);
    tests.push((v) => {
      if (typeof v !== 'string') return notString(shown, v);
      if (v.length > MAX_MATCH_INPUT) return `argument ${shown} is longer than ${MAX_MATCH_INPUT} characters; not matched against a regex`;
      return re.test(v) ? null : `argument ${shown} does not match /${src}/`;
    });
  }
  if (tests.length === 0) throw new McpRuleError(where, 'states no test: expected one or more of equals, in, startsWith, under, matches');
  const explain = (args: unknown): string | null => {
    const found = resolve(args, segs);
    if (!found.ok) return `argument ${shown} is missing`;
    for (const t of tests) {
      const why = t(found.value);
      if (why !== null) return why;
    }
    return null;
  };
  return { spec, test: (args) => explain(args) === null, explain };
}

/**
 * Parse `a.b[2].c` into segments; throws McpRuleError for empty segments or bad indexes.
 *
 * @example
 * parseArgPath('files[1].content', 'args[0].path') // ['files', 1, 'content']
 */
export function parseArgPath(path: string, where: string): Seg[] {
  if (typeof path !== 'string' || path === '') throw new McpRuleError(where, 'expected a dotted argument path like "path" or "options.mode"');
  const segs: Seg[] = [];
  const re = /([^.[\]]+)|\[(\d{1,6})\]|(\.)/y;
  let expectName = true;
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (m === null) throw new McpRuleError(where, `unexpected ${JSON.stringify(path[i])} at offset ${i} in ${JSON.stringify(path)}`);
    if (m[1] !== undefined) {
      if (!expectName) throw new McpRuleError(where, `expected '.' or '[' before offset ${i} in ${JSON.stringify(path)}`);
      segs.push(m[1]);
      expectName = false;
    } else if (m[2] !== undefined) {
      if (segs.length === 0 || expectName) throw new McpRuleError(where, `an index must follow a name, at offset ${i} in ${JSON.stringify(path)}`);
      segs.push(Number(m[2]));
    } else {
      if (expectName) throw new McpRuleError(where, `empty segment at offset ${i} in ${JSON.stringify(path)}`);
      expectName = true;
    }
    i = re.lastIndex;
  }
  if (expectName) throw new McpRuleError(where, `${JSON.stringify(path)} ends with '.'`);
  return segs;
}

/** Own properties and array elements only: `constructor` or `__proto__` never reach a prototype. */
function resolve(root: unknown, segs: readonly Seg[]): { ok: true; value: unknown } | { ok: false } {
  let v = root;
  for (const s of segs) {
    if (typeof s === 'number') {
      if (!Array.isArray(v) || s >= v.length) return { ok: false };
      v = v[s] as unknown;
    } else {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, s)) return { ok: false };
      v = (v as Record<string, unknown>)[s];
    }
  }
  return v === undefined ? { ok: false } : { ok: true, value: v };
}

/**
 * An absolute path with `.`, `..` and repeated separators resolved, without a
 * trailing separator; null for a relative path or one with a NUL byte.
 */
export function normalisePath(p: string): string | null {
  if (p.includes('\0') || !(p.startsWith('/') || p.startsWith('\\'))) return null;
  const out: string[] = [];
  for (const part of p.split(/[/\\]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

function compileSafeRegex(src: string, where: string): RegExp {
  if (src.length === 0 || src.length > MAX_REGEX) throw new McpRuleError(where, `regex must be 1..${MAX_REGEX} characters`);
  try {
    checkRegexSafety(where, src);
    return new RegExp(src);
  } catch (err) {
    // The DLP checker's message starts with its own 'dlp pattern "<id>": ' prefix.
    const msg = err instanceof UnsafePatternError ? err.message.replace(/^dlp pattern "[^"]*": /, '') : `invalid regex: ${(err as Error).message}`;
    throw new McpRuleError(where, msg);
  }
}

function requireString(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new McpRuleError(where, 'expected a string');
  return v;
}

function notString(path: string, v: unknown): string {
  return `argument ${path} is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`}, not a string`;
}
