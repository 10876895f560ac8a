/**
 * A pattern ready to run: its regex recompiled sticky (tried once at each keyword hit,
 * when the match starts at the keyword) or global (scanned over bounded windows, for
 * context and keyword-less patterns).
 *
 * @example
 * compilePattern(npmPattern).sticky // true: npm_ starts every match
 */
import type { PatternSpec } from './pattern-spec.js';

export interface Compiled {
  spec: PatternSpec;
  re: RegExp;
  /** Tried once at each keyword hit (the match starts at the keyword). */
  sticky: boolean;
  before: number;
  maxLength: number;
  group: number;
}

export function compilePattern(spec: PatternSpec): Compiled {
  const sticky = spec.keywords.length > 0 && (spec.before ?? 0) === 0;
  return {
    spec,
    sticky,
    re: new RegExp(spec.regex.source, spec.regex.flags.replace(/[gy]/g, '') + (sticky ? 'y' : 'g')),
    before: spec.before ?? 0,
    maxLength: spec.maxLength ?? 256,
    group: spec.valueGroup ?? 1,
  };
}
