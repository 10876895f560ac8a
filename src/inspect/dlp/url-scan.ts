/**
 * Splits a request target into the parts DLP reports separately: userinfo, path,
 * each query key and value, fragment. Each part is scanned with its own location;
 * a query value is scanned together with its key (`key=value`) so assignment patterns
 * see their context, and findings that fall inside the key are reported at
 * 'url.query_key'. Keys that are themselves data are reported by position ('#2').
 *
 * @example
 * scanUrlParts('/a?token=x', scanPart) // scans '/a' at 'url.path', 'token=x' at 'url.query:token'
 */
import type { Finding } from '../finding.js';
import { charClassCount, shannonEntropy } from './validators/entropy.js';

/** Scan `text` at `location`; `spans` receives each finding's [start, end) in `text`. */
export type PartScan = (text: string, location: string, spans?: Array<[Finding, number, number]>) => Finding[];

export function scanUrlParts(target: string, scan: PartScan): Finding[] {
  const out: Finding[] = [];
  let rest = target;
  const abs = /^[a-z][a-z0-9+.-]{0,30}:\/\/([^/?#]*)/i.exec(rest);
  if (abs !== null) {
    const authority = abs[1] ?? '';
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      out.push(...scan(userinfo, 'url.userinfo'));
      const colon = userinfo.indexOf(':');
      if (colon >= 0 && colon < userinfo.length - 1)
        out.push({ type: 'url_credentials', location: 'url.userinfo', action: 'block', detail: 'password in URL userinfo' });
    }
    rest = rest.slice(abs[0].length);
  }
  const hash = rest.indexOf('#');
  const fragment = hash >= 0 ? rest.slice(hash + 1) : '';
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const path = q >= 0 ? rest.slice(0, q) : rest;
  const query = q >= 0 ? rest.slice(q + 1) : '';

  if (path.length > 0) {
    out.push(...scan(path, 'url.path'));
    for (const seg of path.split('/')) if (highEntropy(seg)) out.push(entropyFinding('url.path'));
  }
  if (query.length > 0) {
    query.split('&').forEach((part, i) => {
      if (part.length === 0) return;
      const eq = part.indexOf('=');
      const key = eq >= 0 ? part.slice(0, eq) : part;
      const spans: Array<[Finding, number, number]> = [];
      const probe = scan(part, 'url.query', spans);
      const keyHit = spans.some(([, s]) => s < key.length);
      const name = !keyHit && /^[A-Za-z0-9_.[\]-]{1,40}$/.test(key) ? key : `#${i}`;
      for (const [f, s] of spans) out.push({ ...f, location: s < key.length ? 'url.query_key' : `url.query:${name}` });
      if (spans.length === 0) out.push(...probe.map((f) => ({ ...f, location: `url.query:${name}` })));
      if (eq >= 0 && highEntropy(part.slice(eq + 1))) out.push(entropyFinding(`url.query:${name}`));
    });
  }
  if (fragment.length > 0) out.push(...scan(fragment, 'url.fragment'));
  return out;
}

/** A path segment or value that looks like random key material (mixed-case alnum, high entropy). */
export function highEntropy(s: string): boolean {
  if (s.length < 24 || s.length > 256 || !/^[A-Za-z0-9]+$/.test(s) || /^[0-9a-f]+$/i.test(s)) return false;
  return charClassCount(s) >= 3 && shannonEntropy(s) >= 4;
}

function entropyFinding(location: string): Finding {
  return { type: 'url_high_entropy', location, action: 'warn', detail: 'random-looking value (no known format)' };
}
