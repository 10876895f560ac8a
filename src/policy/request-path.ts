/**
 * The path as path patterns see it. One normalisation, applied the same way to
 * requests and to patterns, so what an operator writes and what an agent sends
 * compare as strings:
 *
 * - the query (`?...`) and fragment are cut off;
 * - percent-escapes of unreserved characters (`A-Z a-z 0-9 - . _ ~`) are decoded
 *   once (`%7E` → `~`, `%61` → `a`); every other escape stays encoded with its
 *   hex upper-cased (`%2f` → `%2F`);
 * - a path that is *ambiguous* after that step is flagged, not repaired: it has a
 *   `.` or `..` segment, an encoded slash or backslash (`%2F`, `%5C`), or a broken
 *   escape (`%G1`, a trailing `%`). Upstream servers disagree about what such a
 *   path names, so a pattern could not say what it allows. Rule matching treats
 *   them specially (see `path-glob.ts`).
 */

export interface RequestPath {
  /** Normalised path, query removed. Empty when the request has no path (CONNECT). */
  path: string;
  /** True when the path cannot be matched reliably (dot segments, encoded slash, broken escape) or is missing. */
  ambiguous: boolean;
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * @example
 * normaliseRequestPath('/repos/acme/%7Ex?page=2'); // { path: '/repos/acme/~x', ambiguous: false }
 * normaliseRequestPath('/a/%2e%2e/b');             // { path: '/a/../b', ambiguous: true }
 */
export function normaliseRequestPath(target: string): RequestPath {
  let end = target.length;
  const q = target.indexOf('?');
  if (q !== -1) end = q;
  const h = target.indexOf('#');
  if (h !== -1 && h < end) end = h;
  const raw = end === target.length ? target : target.slice(0, end);
  if (!raw.startsWith('/')) return { path: raw, ambiguous: true };
  if (!raw.includes('%')) return { path: raw, ambiguous: hasDotSegment(raw) };
  const { text, broken } = decodeUnreserved(raw);
  return { path: text, ambiguous: broken || hasEncodedSeparator(text) || hasDotSegment(text) };
}

/**
 * Decode escapes of unreserved characters, upper-case the hex of the rest.
 * `broken` reports a `%` not followed by two hex digits.
 *
 * @example
 * decodeUnreserved('/a%2fb%41'); // { text: '/a%2FbA', broken: false }
 */
export function decodeUnreserved(s: string): { text: string; broken: boolean } {
  let out = '';
  let broken = false;
  let i = 0;
  while (i < s.length) {
    const pct = s.indexOf('%', i);
    if (pct === -1) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, pct);
    const hex = s.slice(pct + 1, pct + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
      broken = true;
      out += '%';
      i = pct + 1;
      continue;
    }
    const ch = String.fromCharCode(parseInt(hex, 16));
    out += UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
    i = pct + 3;
  }
  return { text: out, broken };
}

/** `%2F` or `%5C` (already upper-cased by decodeUnreserved). */
export function hasEncodedSeparator(path: string): boolean {
  return path.includes('%2F') || path.includes('%5C');
}

/** A `.` or `..` segment anywhere in the path. */
export function hasDotSegment(path: string): boolean {
  if (!path.includes('.')) return false;
  for (const seg of path.split('/')) if (seg === '.' || seg === '..') return true;
  return false;
}
