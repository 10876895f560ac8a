/**
 * Matchers on what is asked for: host, port, scheme, method, path. Each compiles
 * its list once (sets, ranges, path globs) so matching is a lookup or a scan of a
 * short list.
 */
import { normaliseHost } from './host-index.js';
import { listText, type Matcher, type MatcherKind, type PreparedFacts } from './matcher.js';
import { compilePathGlob, type PathMatcher } from './path-glob.js';
import { AMBIGUITY_TEXT, type RequestPath } from './request-path.js';
import { formatPorts, parsePortSpec } from './port-range.js';

/**
 * `hosts: [api.github.com, '*.python.org', 10.0.0.5, '*']`. A wildcard matches
 * subdomains at any depth, never the apex; `*` matches every host.
 *
 * @example
 * hostsMatcher.compile({ id: 'r', hosts: ['*.python.org'] })?.explain(facts, null); // 'host python.org not in [*.python.org]'
 */
export const hostsMatcher: MatcherKind = {
  type: 'hosts',
  compile: (rule) => {
    if (rule.hosts === undefined) return null;
    const patterns = rule.hosts.map((h) => normaliseHost(h.toLowerCase()));
    const any = patterns.includes('*');
    const exact = new Set(patterns.filter((p) => !p.startsWith('*')));
    const suffixes = patterns.filter((p) => p.startsWith('*.')).map((p) => p.slice(1));
    const matches = (f: PreparedFacts): boolean => {
      if (any || exact.has(f.host)) return true;
      if (isIpText(f.host)) return false;
      for (const s of suffixes) if (f.host.endsWith(s)) return true;
      return false;
    };
    return { type: 'hosts', matches, explain: (f) => (matches(f) ? null : `host ${f.host} not in ${listText(rule.hosts ?? [])}`) };
  },
};

/**
 * `ports: [443, "8000-8100"]`.
 *
 * @example
 * portsMatcher.compile({ id: 'r', ports: [443] })?.explain({ ...facts, port: 8443 }, null); // 'port 8443 not in [443]'
 */
export const portsMatcher: MatcherKind = {
  type: 'ports',
  compile: (rule) => {
    if (rule.ports === undefined) return null;
    const ranges = rule.ports.map(parsePortSpec);
    const matches = (f: PreparedFacts): boolean => {
      for (const r of ranges) if (f.port >= r.from && f.port <= r.to) return true;
      return false;
    };
    return { type: 'ports', matches, explain: (f) => (matches(f) ? null : `port ${f.port} not in [${formatPorts(ranges)}]`) };
  },
};

/**
 * `schemes: [https]`.
 *
 * @example
 * schemesMatcher.compile({ id: 'r', schemes: ['https'] })?.explain({ ...facts, scheme: 'http' }, null); // 'scheme http not in [https]'
 */
export const schemesMatcher: MatcherKind = {
  type: 'schemes',
  compile: (rule) => (rule.schemes === undefined ? null : oneOf('schemes', 'scheme', rule.schemes, (f) => f.scheme)),
};

/**
 * `methods: [GET, HEAD]`, compared upper-cased on both sides.
 *
 * @example
 * methodsMatcher.compile({ id: 'r', methods: ['GET'] })?.explain({ ...facts, method: 'DELETE' }, null); // 'method DELETE not in [GET]'
 */
export const methodsMatcher: MatcherKind = {
  type: 'methods',
  compile: (rule) =>
    rule.methods === undefined
      ? null
      : oneOf(
          'methods',
          'method',
          rule.methods.map((m) => m.toUpperCase()),
          (f) => f.method,
        ),
};

/** One fact of the request that must be in `list` (exactly): schemes, methods. */
function oneOf(type: 'schemes' | 'methods', noun: string, list: readonly string[], fact: (f: PreparedFacts) => string): Matcher {
  const set = new Set(list);
  const matches = (f: PreparedFacts): boolean => set.has(fact(f));
  return { type, matches, explain: (f) => (matches(f) ? null : `${noun} ${fact(f)} not in ${listText(list)}`) };
}

/**
 * `paths: ["/repos/acme/**"]`, matched on the normalised path without the query.
 *
 * An ambiguous path (one that common servers normalise into another path: dot
 * segments, `%2F`, `;`, `\`, `//`, double encoding, overlong or fullwidth dots,
 * control characters, trailing dots or spaces, or no path at all as in CONNECT;
 * see `request-path.ts`) cannot be matched reliably, so it is decided the safe way
 * round: an **allow** rule matches it only through the pattern `/**` (any path),
 * while a **deny** rule's patterns all match it. A path-scoped deny therefore
 * cannot be dodged with `/public/..%2Fadmin` or `/admin;x`.
 *
 * Unambiguous paths: an allow rule compares the normalised path exactly (another
 * spelling is simply not allowed). A deny rule compares the fully decoded path
 * (`%61dmin` is `admin`), ignores a trailing slash (`/admin/` is `/admin` to most
 * routers) and a format extension (`/admin.json`, Rails and Spring) and, unless the rule says `case_sensitive: true`, ignores case
 * (`/ADMIN` reaches `/admin` on Express, IIS, Spring). `case_sensitive: false` on
 * an allow rule lets it match any case.
 *
 * @example
 * pathsMatcher.compile({ id: 'r', paths: ['/repos/acme/**'] })?.matches({ ...facts, path: () => normaliseRequestPath('/repos/acmex') }, null); // false
 * pathsMatcher.compile({ id: 'r', paths: ['/admin/**'], action: 'deny' })?.matches({ ...facts, path: () => normaliseRequestPath('/ADMIN') }, null); // true
 */
export const pathsMatcher: MatcherKind = {
  type: 'paths',
  compile: (rule) => {
    if (rule.paths === undefined) return null;
    const patterns = rule.paths;
    const denies = rule.action === 'deny';
    const foldCase = rule.case_sensitive === undefined ? denies : !rule.case_sensitive;
    const anyPath = patterns.includes('/**');
    const test = denies ? denyTest(patterns, foldCase) : allowTest(patterns, foldCase);
    const matches = (f: PreparedFacts): boolean => {
      const p = f.path();
      if (p.ambiguous) return denies || anyPath;
      return test(p);
    };
    return {
      type: 'paths',
      matches,
      explain: (f) => {
        if (matches(f)) return null;
        const p = f.path();
        if (p.ambiguity !== null) {
          const shown = p.path === '' ? 'no path (CONNECT)' : `path ${p.path}`;
          return `${shown} is ambiguous (${AMBIGUITY_TEXT[p.ambiguity]}); an allow rule matches it only with '/**', not ${listText(patterns)}`;
        }
        return `path ${p.path} not in ${listText(patterns)}`;
      },
    };
  },
};

function allowTest(patterns: readonly string[], foldCase: boolean): (p: RequestPath) => boolean {
  const globs = patterns.map((pattern) => compilePathGlob(pattern, { foldCase }));
  return (p) => {
    const s = foldCase ? p.path.toLowerCase() : p.path;
    for (const g of globs) if (g(s)) return true;
    return false;
  };
}

/**
 * Decoded, case folded unless the rule says otherwise, and tried as each path a
 * lenient router serves the same way: without a trailing slash (Express, Django),
 * without the last segment's extension (Rails' `(.:format)`, Spring's suffix
 * match: `/admin.json` is `/admin`), and with the marks of accented letters taken
 * off (`/ādmin`, `/àdmin`).
 */
function denyTest(patterns: readonly string[], foldCase: boolean): (p: RequestPath) => boolean {
  const globs: PathMatcher[] = [];
  for (const pattern of patterns) {
    globs.push(compilePathGlob(pattern, { decoded: true, foldCase }));
    if (pattern.length > 1 && pattern.endsWith('/')) globs.push(compilePathGlob(pattern.slice(0, -1), { decoded: true, foldCase }));
  }
  const test = (s: string): boolean => {
    const bare = s.length > 1 && s.endsWith('/') ? s.slice(0, -1) : s;
    const dot = bare.lastIndexOf('.');
    const plain = dot > bare.lastIndexOf('/') + 1 ? bare.slice(0, dot) : bare;
    for (const g of globs) if (g(s) || (bare !== s && g(bare)) || (plain !== bare && g(plain))) return true;
    return false;
  };
  return (p) => {
    const s = foldCase ? p.decoded.toLowerCase() : p.decoded;
    if (test(s)) return true;
    // Letters with marks: an accent-insensitive router, or Windows' best-fit mapping to a
    // code page (`ā` has none in cp1252 and becomes `a`), reads `/ādmin` as `/admin`.
    if (NON_ASCII.test(s)) {
      const unmarked = s.normalize('NFKD').replace(MARKS, '');
      return unmarked !== s && test(unmarked);
    }
    return false;
  };
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;
const MARKS = /\p{M}+/gu;

function isIpText(host: string): boolean {
  return host.includes(':') || /^[0-9.]+$/.test(host);
}
