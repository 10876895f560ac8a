/**
 * Address ranges in CIDR notation, for `network.allow_private`.
 */
import { isIP } from 'node:net';

const EXPECTED = 'expected a CIDR like 10.0.0.0/8 or fd00::/8, or a single IP address';

/**
 * Check a CIDR and return it normalised; a bare address becomes /32 or /128.
 * Host bits below the prefix are accepted, as `net.BlockList` does. Throws a
 * TypeError naming the problem.
 *
 * @example
 * parseCidr('127.0.0.1');  // '127.0.0.1/32'
 * parseCidr('FD00::/8');   // 'fd00::/8'
 * parseCidr('10.0.0.0/33'); // throws: prefix /33 is out of range for IPv4 (0 to 32)
 */
export function parseCidr(v: string): string {
  const parts = v.split('/');
  const [addr = '', prefix, ...rest] = parts;
  if (rest.length > 0) throw new TypeError(`${EXPECTED}; got '${v}'`);
  if (addr.includes('%')) throw new TypeError(`'${addr}' has a zone id ('%...'); ${EXPECTED}`);
  const family = isIP(addr);
  if (family === 0) throw new TypeError(`'${addr}' is not an IP address; ${EXPECTED}`);
  const max = family === 4 ? 32 : 128;
  if (prefix === undefined) return `${addr.toLowerCase()}/${max}`;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) {
    throw new TypeError(`prefix /${prefix} is out of range for IPv${family} (0 to ${max}) in '${v}'`);
  }
  return `${addr.toLowerCase()}/${Number(prefix)}`;
}
