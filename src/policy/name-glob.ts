/**
 * Globs for names (tenants, agents): `*` stands for any run of characters, every
 * other character is literal. Matched by hand, not by regex: the greedy
 * star-backtrack below is O(pattern × name) at worst, with no catastrophic cases.
 */

/** A compiled name glob. */
export type NameMatcher = (name: string) => boolean;

/**
 * @example
 * const m = compileNameGlob('support-*');
 * m('support-bot'); // true
 * m('sales-bot');   // false
 */
export function compileNameGlob(pattern: string): NameMatcher {
  if (pattern === '*') return () => true;
  const star = pattern.indexOf('*');
  if (star === -1) return (name) => name === pattern;
  // The first star is the last character: a plain prefix test.
  if (star === pattern.length - 1) {
    const prefix = pattern.slice(0, -1);
    return (name) => name.startsWith(prefix);
  }
  return (name) => globMatch(pattern, name);
}

// Classic wildcard matching: on a mismatch, retry from the last star with one more character eaten.
function globMatch(p: string, s: string): boolean {
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    if (pi < p.length && p.charCodeAt(pi) === 42 /* * */) {
      starP = pi++;
      starS = si;
    } else if (pi < p.length && p.charCodeAt(pi) === s.charCodeAt(si)) {
      pi++;
      si++;
    } else if (starP !== -1) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pi < p.length && p.charCodeAt(pi) === 42) pi++;
  return pi === p.length;
}
