/**
 * Matchers on what is asked for: host, port, scheme, method, path. Each compiles
 * its list once (sets, ranges, path globs) so matching is a lookup or a scan of a
 * short list.
 */
import { normaliseHost } from './host-index.js';
import { listText, type MatcherKind, type PreparedFacts } from './matcher.js';
import { compilePathGlob } from './path-glob.js';
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
  compile: (rule) => {
    if (rule.schemes === undefined) return null;
    const schemes = rule.schemes;
    const matches = (f: PreparedFacts): boolean => schemes.includes(f.scheme);
    return { type: 'schemes', matches, explain: (f) => (matches(f) ? null : `scheme ${f.scheme} not in ${listText(schemes)}`) };
  },
};

/**
 * `methods: [GET, HEAD]`, compared upper-cased on both sides.
 *
 * @example
 * methodsMatcher.compile({ id: 'r', methods: ['GET'] })?.explain({ ...facts, method: 'DELETE' }, null); // 'method DELETE not in [GET]'
 */
export const methodsMatcher: MatcherKind = {
  type: 'methods',
  compile: (rule) => {
    if (rule.methods === undefined) return null;
    const methods = rule.methods.map((m) => m.toUpperCase());
    const set = new Set(methods);
    const matches = (f: PreparedFacts): boolean => set.has(f.method);
    return { type: 'methods', matches, explain: (f) => (matches(f) ? null : `method ${f.method} not in ${listText(methods)}`) };
  },
};

/**
 * `paths: ["/repos/acme/**"]`, matched on the normalised path without the query.
 *
 * An ambiguous path (a `.` or `..` segment, `%2F`, `%5C`, a broken escape, or no
 * path at all as in CONNECT) cannot be matched reliably, so it is decided the
 * safe way round: an **allow** rule matches it only through the pattern `/**`
 * (any path), while a **deny** rule's patterns all match it. A path-scoped deny
 * therefore cannot be dodged with `/public/..%2Fadmin`.
 *
 * @example
 * pathsMatcher.compile({ id: 'r', paths: ['/repos/acme/**'] })?.matches({ ...facts, path: () => ({ path: '/repos/acmex', ambiguous: false }) }, null); // false
 */
export const pathsMatcher: MatcherKind = {
  type: 'paths',
  compile: (rule) => {
    if (rule.paths === undefined) return null;
    const patterns = rule.paths;
    const tests = patterns.map(compilePathGlob);
    const anyPath = patterns.includes('/**');
    const denies = rule.action === 'deny';
    const matches = (f: PreparedFacts): boolean => {
      const p = f.path();
      if (p.ambiguous) return denies || anyPath;
      for (const t of tests) if (t(p.path)) return true;
      return false;
    };
    return {
      type: 'paths',
      matches,
      explain: (f) => {
        if (matches(f)) return null;
        const p = f.path();
        if (p.ambiguous) {
          const shown = p.path === '' ? 'no path (CONNECT)' : `path ${p.path}`;
          return `${shown} is ambiguous ('.', '..', %2F, %5C or a broken escape); an allow rule matches it only with '/**', not ${listText(patterns)}`;
        }
        return `path ${p.path} not in ${listText(patterns)}`;
      },
    };
  },
};

function isIpText(host: string): boolean {
  return host.includes(':') || /^[0-9.]+$/.test(host);
}
