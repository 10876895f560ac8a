/**
 * Address ranges in CIDR notation, for `network.allow_private`.
 */
import { isIP } from 'node:net';
import { canonicalIp, formatIp, parseIp, type Ip } from '../net/ip.js';

const EXPECTED = 'expected a CIDR like 10.0.0.0/8 or fd00::/8, or a single IP address';

/**
 * Check a CIDR and return it normalised; a bare address becomes /32 or /128.
 * Host bits below the prefix are accepted, as `net.BlockList` does. Throws a
 * TypeError naming the problem.
 *
 * @example
 * parseCidr('127.0.0.1');  // '127.0.0.1/32'
 * parseCidr('FD00::/8');   // 'fd00::/8'
 * parseCidr('::ffff:10.0.0.0/104'); // '10.0.0.0/8'
 * parseCidr('10.0.0.0/33'); // throws: prefix /33 is out of range for IPv4 (0 to 32)
 */
export function parseCidr(v: string): string {
  const parts = v.split('/');
  const [addr = '', prefix, ...rest] = parts;
  if (rest.length > 0) throw new TypeError(`${EXPECTED}; got '${v}'`);
  if (addr.includes('%')) throw new TypeError(`'${addr}' has a zone id ('%...'); ${EXPECTED}`);
  const family = isIP(addr);
  const ip = family === 0 ? null : parseIp(addr);
  if (ip === null) throw new TypeError(`'${addr}' is not an IP address; ${EXPECTED}`);
  const max = family === 4 ? 32 : 128;
  if (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max)) {
    throw new TypeError(`prefix /${prefix} is out of range for IPv${family} (0 to ${max}) in '${v}'`);
  }
  return canonicalCidr(ip, prefix === undefined ? max : Number(prefix));
}

/**
 * The canonical text of a range: RFC 5952 for IPv6, and a range inside
 * `::ffff:0:0/96` (or a single IPv4-compatible address) written as the IPv4 range
 * it is, because the gate reads those hosts as their IPv4 address.
 */
function canonicalCidr(ip: Ip, prefix: number): string {
  if (ip.family === 6 && prefix >= 96) {
    const v4 = canonicalIp(ip);
    const mapped = v4.family === 4 && ip.bytes[10] === 0xff;
    if (v4.family === 4 && (mapped || prefix === 128)) return `${formatIp(v4)}/${prefix - 96}`;
  }
  return `${formatIp(ip)}/${prefix}`;
}
