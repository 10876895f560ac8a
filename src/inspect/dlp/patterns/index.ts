/**
 * Every built-in pattern, in one list. Ids are unique and stable (they become
 * Finding.type and the keys of an operator's `actions` overrides).
 *
 * @example
 * import { builtinPatterns } from './index.js';
 * builtinPatterns.length >= 60 // true
 */
import type { PatternSpec } from '../pattern-spec.js';
import { cloudPatterns } from './cloud.js';
import { vcsPatterns } from './vcs.js';
import { aiPatterns } from './ai.js';
import { saasPatterns } from './saas.js';
import { structuralPatterns } from './keys-and-urls.js';
import { financialPatterns } from './financial.js';
import { genericPatterns } from './generic.js';

export const builtinPatterns: readonly PatternSpec[] = Object.freeze([
  ...cloudPatterns,
  ...vcsPatterns,
  ...aiPatterns,
  ...saasPatterns,
  ...structuralPatterns,
  ...financialPatterns,
  ...genericPatterns,
]);
