/**
 * Path patterns. `*` is any run of characters within one segment (never `/`),
 * `**` is any run of characters including `/`. Two conveniences follow what
 * people expect from `**`:
 *
 * - a trailing `/**` also matches the bare prefix: `/repos/acme/**` matches
 *   `/repos/acme`, `/repos/acme/` and `/repos/acme/x/y`, never `/repos/acmex`;
 * - `/**\/` in the middle matches one slash or any run of whole segments:
 *   `/a/**\/b` matches `/a/b` and `/a/x/y/b`.
 *
 * Patterns are matched against the normalised path (see `request-path.ts`), by a
 * hand-written matcher: literal tokens compared with `startsWith`, wildcards
 * tried position by position with failures memoised, so the cost is bounded by
 * tokens × path length whatever the pattern (no regex, no backtracking blow-up).
 */
import { AMBIGUITY_TEXT, normaliseRequestPath } from './request-path.js';

type Token =
  | { t: 'lit'; s: string }
  /** `*`: within one segment. */
  | { t: 'star' }
  /** `**`: anything. */
  | { t: 'any' }
  /** `/**\/`: `/`, or `/` + anything + `/`. */
  | { t: 'segs' }
  /** trailing `/**`: nothing, or `/` + anything. */
  | { t: 'tail' };

/** A compiled path pattern; `path` is already normalised. */
export type PathMatcher = (path: string) => boolean;

/**
 * Why a path pattern is unusable, or null when it is fine. Used by the config
 * schema so the problem is reported with its line.
 *
 * @example
 * pathPatternProblem('repos/**'); // "a path pattern starts with '/'; got 'repos/**'"
 * pathPatternProblem('/repos/**'); // null
 */
export function pathPatternProblem(pattern: string): string | null {
  if (!pattern.startsWith('/')) return `a path pattern starts with '/'; got '${pattern}'`;
  if (pattern.includes('?') || pattern.includes('#')) return `path patterns match the path without the query; remove the '?...' from '${pattern}'`;
  if (pattern.includes('***')) return `'***' is not a pattern in '${pattern}'; use '*' (one segment) or '**' (any depth)`;
  const p = normaliseRequestPath(patternText(pattern));
  if (p.ambiguity === 'broken_escape') return `'${pattern}' has a '%' not followed by two hex digits`;
  if (p.ambiguity !== null) {
    return `'${pattern}' can never match: a request path with ${AMBIGUITY_TEXT[p.ambiguity]} is ambiguous and only matches '/**'`;
  }
  return null;
}

/** How a pattern compares: against the fully decoded path (deny rules), and/or ignoring case. */
export interface PathGlobOptions {
  /** Match `RequestPath.decoded` (every escape decoded) instead of `RequestPath.path`. */
  decoded?: boolean;
  /** Lower-case the pattern; the caller lower-cases the path. */
  foldCase?: boolean;
}

/**
 * Compile a valid pattern (see pathPatternProblem) to a matcher.
 *
 * @example
 * const m = compilePathGlob('/repos/acme/**');
 * m('/repos/acme/x/y'); // true
 * m('/repos/acmex');    // false
 * compilePathGlob('/Admin/**', { decoded: true, foldCase: true })('/admin/x y'); // true
 */
export function compilePathGlob(pattern: string, opts: PathGlobOptions = {}): PathMatcher {
  const n = normaliseRequestPath(patternText(pattern));
  const text = opts.decoded === true ? n.decoded : n.path;
  const tokens = tokenize(opts.foldCase === true ? text.toLowerCase() : text);
  const [a, b] = tokens;
  if (tokens.length === 1 && a?.t === 'lit') return (p) => p === a.s;
  if (tokens.length === 1 && a?.t === 'tail') return (p) => p === '' || p.startsWith('/');
  if (tokens.length === 2 && a?.t === 'lit' && b?.t === 'tail') {
    const withSlash = `${a.s}/`;
    return (p) => p === a.s || p.startsWith(withSlash);
  }
  if (tokens.length === 2 && a?.t === 'lit' && b?.t === 'any') return (p) => p.startsWith(a.s);
  const wild = tokens.filter((t) => t.t !== 'lit').length;
  return (p) => matchFrom(tokens, 0, p, 0, wild > 1 ? new Uint8Array(tokens.length * (p.length + 1)) : null);
}

/**
 * A pattern as a request would spell it: raw spaces and non-ASCII (which no request
 * line carries unescaped) become UTF-8 escapes, so `/my files/**` means `/my%20files/**`.
 */
function patternText(pattern: string): string {
  if (!/[^\x21-\x7e]/.test(pattern)) return pattern;
  try {
    return pattern.replace(/[^\x21-\x7e]+/gu, (run) => encodeURIComponent(run));
  } catch {
    return pattern; // a lone surrogate: left raw, so the classifier reports it
  }
}

function tokenize(p: string): Token[] {
  const out: Token[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit !== '') out.push({ t: 'lit', s: lit });
    lit = '';
  };
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== '*') {
      lit += p[i];
      continue;
    }
    if (p[i + 1] !== '*') {
      flush();
      out.push({ t: 'star' });
      continue;
    }
    i++; // the second '*'
    const slashBefore = lit.endsWith('/');
    if (slashBefore && i === p.length - 1) {
      lit = lit.slice(0, -1);
      flush();
      out.push({ t: 'tail' });
    } else if (slashBefore && p[i + 1] === '/') {
      lit = lit.slice(0, -1);
      flush();
      out.push({ t: 'segs' });
      // The token owns the slashes on both sides; the next literal starts after them.
      i++;
    } else {
      flush();
      out.push({ t: 'any' });
    }
  }
  flush();
  return out;
}

// `failed[ti * (n + 1) + pos]` remembers (token, position) pairs already known not to match.
function matchFrom(tokens: readonly Token[], ti: number, p: string, pos: number, failed: Uint8Array | null): boolean {
  const tok = tokens[ti];
  if (tok === undefined) return pos === p.length;
  const key = ti * (p.length + 1) + pos;
  if (failed !== null && failed[key] === 1) return false;
  let ok = false;
  switch (tok.t) {
    case 'lit':
      ok = p.startsWith(tok.s, pos) && matchFrom(tokens, ti + 1, p, pos + tok.s.length, failed);
      break;
    case 'tail':
      ok = pos === p.length || p.charCodeAt(pos) === 47;
      break;
    case 'star': {
      const slash = p.indexOf('/', pos);
      const end = slash === -1 ? p.length : slash;
      for (let k = pos; k <= end && !ok; k++) ok = matchFrom(tokens, ti + 1, p, k, failed);
      break;
    }
    case 'any':
      for (let k = pos; k <= p.length && !ok; k++) ok = matchFrom(tokens, ti + 1, p, k, failed);
      break;
    case 'segs':
      if (p.charCodeAt(pos) !== 47) break;
      for (let k = pos + 1; k <= p.length && !ok; k++) {
        if (p.charCodeAt(k - 1) === 47) ok = matchFrom(tokens, ti + 1, p, k, failed);
      }
      break;
  }
  if (!ok && failed !== null) failed[key] = 1;
  return ok;
}
