/**
 * The path as path patterns see it, and whether a server could read it as some
 * other path. One classifier, applied the same way to requests and to patterns:
 *
 * - the query (`?...`) is cut off;
 * - `path`: percent-escapes of unreserved characters (`A-Z a-z 0-9 - . _ ~`) are
 *   decoded once (`%7E` → `~`, `%61` → `a`); every other escape stays encoded with
 *   its hex upper-cased (`%2f` → `%2F`). Allow rules match this form;
 * - `decoded`: every escape decoded as UTF-8 (`%20` → space), the way servers read a
 *   path before routing. Deny rules match this form (see `what-matchers.ts`);
 * - a path that common servers would *normalise into another path* is flagged
 *   `ambiguous`, never repaired: upstreams disagree about what it names, so no
 *   pattern can say what it allows. `ambiguity` names the first form found (see
 *   AMBIGUITY_TEXT). An allow rule matches an ambiguous path only through `/**`,
 *   every deny rule of the host matches it, and a route with a base path refuses it.
 *
 * Case is not an ambiguity: deny rules compare case-insensitively instead.
 * The work is one pass over the characters plus, only when something was escaped,
 * one UTF-8 decode (and an NFKC check when non-ASCII remains): linear, bounded by
 * the request line.
 */

/** Every form of path that servers read in more than one way. */
export type PathAmbiguity =
  | 'no_path'
  | 'fragment'
  | 'dot_segment'
  | 'empty_segment'
  | 'backslash'
  | 'encoded_separator'
  | 'encoded_delimiter'
  | 'semicolon'
  | 'double_encoding'
  | 'broken_escape'
  | 'control_char'
  | 'edge_space'
  | 'trailing_dot'
  | 'bad_utf8'
  | 'raw_non_ascii'
  | 'unicode_fold';

/** What each form is, and who reads it otherwise: for explanations and refusals. */
export const AMBIGUITY_TEXT: Readonly<Record<PathAmbiguity, string>> = {
  no_path: 'no origin-form path',
  fragment: "a '#' (a fragment) in the path",
  dot_segment: "a '.' or '..' segment",
  empty_segment: "an empty segment ('//'), merged by many servers",
  backslash: "a '\\', a separator on Windows servers",
  encoded_separator: "an encoded '/' or '\\' (%2F, %5C)",
  encoded_delimiter: "an encoded '?' or '#' (%3F, %23)",
  semicolon: "a ';' (path parameters, '..;' on servlet containers)",
  double_encoding: 'a double percent-encoding (%25XX)',
  broken_escape: "a '%' not followed by two hex digits",
  control_char: 'a control character or a raw space (%00, %09, ...)',
  edge_space: 'a segment starting or ending with a space',
  trailing_dot: "a segment ending with '.', dropped by Windows servers",
  bad_utf8: 'escapes that are not valid UTF-8 (overlong forms such as %C0%AE)',
  raw_non_ascii: 'unescaped non-ASCII bytes',
  unicode_fold: 'Unicode that servers fold to other characters (fullwidth, compatibility or invisible forms)',
};

export interface RequestPath {
  /** Normalised path (unreserved escapes decoded), query removed. Empty when the request has no path (CONNECT). */
  path: string;
  /** Every escape decoded as UTF-8; equals `path` when nothing is escaped. Meaningful only when not ambiguous. */
  decoded: string;
  /** True when servers could read the path as another path (or there is none). */
  ambiguous: boolean;
  /** The first ambiguous form found, or null. */
  ambiguity: PathAmbiguity | null;
}

const HEX = /^[0-9A-Fa-f]{2}$/;
const DOUBLE = /%[0-9A-Fa-f]{2}/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// Non-ASCII a server may drop or fold before routing: invisible, space-like or format characters.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}]/u;

/**
 * @example
 * normaliseRequestPath('/repos/acme/%7Ex?page=2'); // { path: '/repos/acme/~x', decoded: '/repos/acme/~x', ambiguous: false, ambiguity: null }
 * normaliseRequestPath('/a/%2e%2e/b').ambiguity;   // 'dot_segment'
 * normaliseRequestPath('/admin;x').ambiguity;      // 'semicolon'
 */
export function normaliseRequestPath(target: string): RequestPath {
  let end = target.indexOf('?');
  if (end === -1) end = target.length;
  const hash = target.indexOf('#');
  const fragment = hash !== -1 && hash < end;
  const raw = target.slice(0, fragment ? hash : end);
  if (!raw.startsWith('/')) return { path: raw, decoded: raw, ambiguous: true, ambiguity: 'no_path' };
  let found: PathAmbiguity | null = fragment ? 'fragment' : null;
  const flag = (a: PathAmbiguity): void => {
    found ??= a;
  };
  let path = '';
  let from = 0;
  let escaped = false;
  let high = false;
  let percent = false;
  // The decoded bytes are needed only when something is escaped.
  const bytes: number[] | null = raw.includes('%') ? [] : null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25) {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX.test(hex)) {
        flag('broken_escape');
        continue;
      }
      escaped = true;
      const b = parseInt(hex, 16);
      path += raw.slice(from, i) + (isUnreserved(b) ? String.fromCharCode(b) : `%${hex.toUpperCase()}`);
      from = i + 3;
      i += 2;
      bytes?.push(b);
      if (b === 0x2f || b === 0x5c) flag('encoded_separator');
      else if (b === 0x3f || b === 0x23) flag('encoded_delimiter');
      else if (b === 0x3b) flag('semicolon');
      else if (b === 0x25) percent = true;
      else if (b < 0x20 || b === 0x7f) flag('control_char');
      else if (b > 0x7f) high = true;
      continue;
    }
    bytes?.push(c);
    if (c === 0x5c) flag('backslash');
    else if (c === 0x3b) flag('semicolon');
    else if (c <= 0x20 || c === 0x7f) flag('control_char');
    else if (c > 0x7e) flag('raw_non_ascii');
  }
  path += raw.slice(from);
  let decoded = path;
  if (escaped && found === null && bytes !== null) {
    decoded = decodeBytes(bytes, high, flag);
    // `%25` is ambiguous only when a second decoding would change the path (`%2561`, `%25%32%65`).
    if (percent && DOUBLE.test(decoded)) flag('double_encoding');
  }
  if (found === null) found = segmentAmbiguity(decoded);
  return { path, decoded, ambiguous: found !== null, ambiguity: found };
}

function decodeBytes(bytes: number[], high: boolean, flag: (a: PathAmbiguity) => void): string {
  let text: string;
  try {
    text = utf8.decode(Uint8Array.from(bytes));
  } catch {
    flag('bad_utf8');
    return '';
  }
  // Fullwidth '．' and '／', 'ａ', the Kelvin sign: NFKC (and IIS's best-fit mapping) turn them into ASCII.
  if (high && (text.normalize('NFKC') !== text || INVISIBLE.test(text) || foldsToAscii(text))) flag('unicode_fold');
  return text;
}

/** A non-ASCII letter whose case mapping is ASCII (`ı` → `I`, `ſ` → `S`, `İ` → `i̇`): Java's equalsIgnoreCase reads `/admın` as `/admin`. */
function foldsToAscii(text: string): boolean {
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) continue;
    const upper = ch.toUpperCase();
    if ((upper.length === 1 && upper.charCodeAt(0) < 0x80) || ch.toLowerCase().charCodeAt(0) < 0x80) return true;
  }
  return false;
}

/** Dot segments, `//`, and segments that Windows servers trim (trailing `.` or space). */
function segmentAmbiguity(p: string): PathAmbiguity | null {
  let start = 1;
  while (start <= p.length) {
    let stop = p.indexOf('/', start);
    if (stop === -1) stop = p.length;
    const last = stop === p.length;
    const len = stop - start;
    if (len === 0) {
      if (!last) return 'empty_segment';
    } else if (p.charCodeAt(stop - 1) === 0x2e) {
      return len <= 2 && (len === 1 || p.charCodeAt(start) === 0x2e) ? 'dot_segment' : 'trailing_dot';
    } else if (p.charCodeAt(start) === 0x20 || p.charCodeAt(stop - 1) === 0x20) {
      return 'edge_space';
    }
    start = stop + 1;
  }
  return null;
}

function isUnreserved(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
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
    if (!HEX.test(hex)) {
      broken = true;
      out += '%';
      i = pct + 1;
      continue;
    }
    const b = parseInt(hex, 16);
    out += isUnreserved(b) ? String.fromCharCode(b) : `%${hex.toUpperCase()}`;
    i = pct + 3;
  }
  return { text: out, broken };
}
