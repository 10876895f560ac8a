/**
 * Host names and host patterns as written in the config: exact names,
 * "*.example.com" wildcards and IP literals. Everything is lower-cased and a
 * trailing dot dropped, so matching later is a plain string comparison.
 */
import { canonicalIpText } from '../net/ip.js';
import { urlHint } from '../net/url-hint.js';
import { isIP } from 'node:net';

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const LABEL_RULES = "labels are letters, digits, '-' or '_', 1 to 63 characters, not starting or ending with '-'";

/**
 * True for a syntactically valid DNS name (underscores allowed, as real hosts
 * use them). Dotted all-digit strings are refused: URL parsers read "1.2.3" as
 * an IPv4 address, so a rule naming it could never match.
 *
 * @example
 * isHostName('api.example.com'); // true
 * isHostName('-bad.example');    // false
 */
export function isHostName(s: string): boolean {
  const name = s.toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253) return false;
  if (/^[0-9.]+$/.test(name)) return false;
  return name.split('.').every((label) => LABEL.test(label));
}

/**
 * An exact host name (no wildcard), normalised. Throws a TypeError naming the
 * problem.
 *
 * @example
 * parseHostName('API.Example.com.'); // 'api.example.com'
 */
export function parseHostName(v: string): string {
  if (v.includes('*')) throw new TypeError(`'${v}' must be an exact host name; wildcards are not allowed here`);
  return checkName(v, v);
}

/**
 * A host pattern for rules and TLS passthrough: an exact name, "*." followed by
 * a name (subdomains only, not the apex), or an IPv4/IPv6 literal (IPv6 with or
 * without brackets). Returns the normalised form (IP literals in canonical text,
 * IPv4 for mapped addresses); throws a TypeError naming the problem.
 *
 * @example
 * parseHostPattern('*.Example.com'); // '*.example.com'
 * parseHostPattern('[::1]');         // '::1'
 * parseHostPattern('0:0:0:0:0:0:0:1'); // '::1'
 * parseHostPattern('a.*.com');       // throws: '*' is only allowed as the whole first label ...
 */
export function parseHostPattern(v: string): string {
  if (v === '') throw new TypeError('expected a host name, got an empty string');
  // A zone id (fe80::1%eth0) names an interface on one machine, never a destination in a URL.
  if (v.includes('%')) throw new TypeError(`'${v}' has a zone id ('%...'); write the address without it`);
  if (v.includes('/')) throw new TypeError(`expected a host name, not a URL or path; got '${v}'${urlHint(v)}`);
  // IP literals are stored in the one canonical text requests are matched in
  // (`0:0:0:0:0:0:0:1` is '::1', `::ffff:127.0.0.2` is '127.0.0.2'), or the rule would never match.
  const bracketed = /^\[(.*)\]$/.exec(v)?.[1];
  if (bracketed !== undefined) {
    if (isIP(bracketed) === 6) return canonicalIp(bracketed, v);
    throw new TypeError(`'${v}' is bracketed but is not an IPv6 address`);
  }
  if (isIP(v) !== 0) return canonicalIp(v, v);
  if (v.includes('**')) throw new TypeError(`'**' is not allowed in '${v}'; write '*.example.com' to match subdomains`);
  // A bare '*' is an explicit "any host" (SSRF protection and inspection still apply).
  if (v === '*') return v;
  if (v.includes('*')) {
    const rest = v.startsWith('*.') ? v.slice(2) : undefined;
    if (rest === undefined || rest.includes('*')) {
      throw new TypeError(`'*' is only allowed as the whole first label, like '*.example.com'; got '${v}'`);
    }
    return `*.${checkName(rest, v)}`;
  }
  return checkName(v, v);
}

function canonicalIp(text: string, shown: string): string {
  const canonical = canonicalIpText(text);
  if (canonical === null) throw new TypeError(`'${shown}' is not a valid IP address (leading zeros are ambiguous)`);
  return canonical;
}

function checkName(name: string, shown: string): string {
  const port = /^([^:]+):(\d+)$/.exec(name);
  if (port) throw new TypeError(`host names cannot carry a port; write '${port[1]}' instead of '${shown}'`);
  if (/^[0-9.]+$/.test(name)) throw new TypeError(`'${shown}' looks like an IP address but is not a valid one`);
  if (name.includes(':')) throw new TypeError(`'${shown}' is not a valid host name or IP address`);
  if (!isHostName(name)) throw new TypeError(`'${shown}' is not a valid host name: ${LABEL_RULES}, at most 253 in all`);
  return name.toLowerCase().replace(/\.$/, '');
}
