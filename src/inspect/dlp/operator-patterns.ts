/**
 * Operator-supplied patterns, compiled with a safety check. A regex from a config file
 * runs on every request, so shapes that backtrack catastrophically are refused with a
 * message a person can act on: nested quantifiers (`(a+)+`), quantified alternations
 * (`(a|ab)*`), backreferences, and unbounded `{n,}` repeats over groups. The engine
 * additionally runs every operator regex on bounded windows only, so even a slow
 * pattern costs at most a bounded amount per window.
 *
 * @example
 * compileOperatorPattern({ id: 'acme_key', regex: 'acme_[a-z0-9]{32}', keywords: ['acme_'] }).id // 'acme_key'
 * compileOperatorPattern({ id: 'bad', regex: '(a+)+$' }) // throws: nested quantifier
 */
import type { FindingAction } from '../finding.js';
import type { PatternSpec } from './pattern-spec.js';

export interface OperatorPattern {
  id: string;
  regex: string;
  action?: FindingAction;
  keywords?: string[];
  /** 'i' (case-insensitive) is the only flag accepted. */
  flags?: string;
  description?: string;
}

/** Thrown for an operator pattern that cannot be used; the message says why. */
export class UnsafePatternError extends Error {
  constructor(
    readonly patternId: string,
    reason: string,
  ) {
    super(`dlp pattern ${JSON.stringify(patternId)}: ${reason}`);
    this.name = 'UnsafePatternError';
  }
}

const MAX_SOURCE = 1000;

export function compileOperatorPattern(p: OperatorPattern): PatternSpec {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(p.id)) throw new UnsafePatternError(p.id, 'id must be snake_case (a-z, 0-9, _), at most 64 chars');
  if (p.regex.length === 0 || p.regex.length > MAX_SOURCE) throw new UnsafePatternError(p.id, `regex must be 1..${MAX_SOURCE} chars`);
  const flags = p.flags ?? '';
  if (!/^i?$/.test(flags)) throw new UnsafePatternError(p.id, `flags ${JSON.stringify(flags)}: only "i" is accepted`);
  checkRegexSafety(p.id, p.regex);
  let regex: RegExp;
  try {
    regex = new RegExp(p.regex, flags);
  } catch (err) {
    throw new UnsafePatternError(p.id, `invalid regex: ${(err as Error).message}`);
  }
  if (regex.test('')) throw new UnsafePatternError(p.id, 'regex matches the empty string');
  const keywords = (p.keywords ?? []).map((k) => k.toLowerCase());
  for (const k of keywords)
    if (k.length < 3 || /[^\x20-\xff]/.test(k))
      throw new UnsafePatternError(p.id, `keyword ${JSON.stringify(k)}: at least 3 latin1 characters (it must occur literally in every match)`);
  return {
    id: p.id,
    description: p.description ?? `operator pattern ${p.id}`,
    keywords,
    regex,
    action: p.action ?? 'block',
    maxLength: 1024,
    before: 64,
  };
}

/**
 * Structural check of a regex source. Walks it once, tracking for each open group
 * whether it contains a quantifier or an alternation; a quantifier applied to such a
 * group is refused.
 */
export function checkRegexSafety(id: string, src: string): void {
  interface Group {
    quantified: boolean;
    alternation: boolean;
  }
  const stack: Group[] = [{ quantified: false, alternation: false }];
  let lastWasGroup: Group | undefined;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      if (/[1-9]/.test(n) || n === 'k') throw new UnsafePatternError(id, `backreference at offset ${i} is not allowed`);
      i++;
      lastWasGroup = undefined;
      continue;
    }
    if (c === '[') {
      // skip a character class, honouring escapes
      for (i++; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
      lastWasGroup = undefined;
      continue;
    }
    if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      // group prefixes (?: (?= (?! (?<= (?<! (?<name> are not quantifiers
      const prefix = /^\(\?(?:[:=!]|<[=!]|<[A-Za-z_][A-Za-z0-9_]*>)/.exec(src.slice(i, i + 40));
      if (prefix !== null) i += prefix[0].length - 1;
      lastWasGroup = undefined;
      continue;
    }
    if (c === ')') {
      const g = stack.pop();
      if (g === undefined || stack.length === 0) throw new UnsafePatternError(id, `unbalanced ')' at offset ${i}`);
      const parent = stack[stack.length - 1] as Group;
      parent.quantified ||= g.quantified;
      lastWasGroup = g;
      continue;
    }
    if (c === '|') {
      (stack[stack.length - 1] as Group).alternation = true;
      lastWasGroup = undefined;
      continue;
    }
    const quant = c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(?:,\d*)?\}/.test(src.slice(i)));
    if (quant) {
      if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i)) as RegExpExecArray;
        if (Number(m[1]) > 1000 || Number(m[3] ?? 0) > 1000) throw new UnsafePatternError(id, `repeat bound over 1000 at offset ${i}`);
        i += m[0].length - 1;
      }
      if (src[i + 1] === '?') i++; // lazy modifier
      const isOptional = c === '?';
      if (lastWasGroup !== undefined && !isOptional && (lastWasGroup.quantified || lastWasGroup.alternation)) {
        throw new UnsafePatternError(
          id,
          `nested quantifier or quantified alternation at offset ${i}: rewrite without repeating a group that itself repeats or alternates`,
        );
      }
      (stack[stack.length - 1] as Group).quantified = true;
      lastWasGroup = undefined;
      continue;
    }
    lastWasGroup = undefined;
  }
  if (stack.length !== 1) throw new UnsafePatternError(id, 'unbalanced "("');
}
