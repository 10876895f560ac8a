/**
 * Classify an address against the special-purpose table: is it globally
 * reachable unicast, and if not, which range and why. This is the SSRF
 * decision's data; `resolve.ts` applies it.
 */
import { cidrContains, parseCidr } from './cidr.js';
import type { Cidr } from './cidr.js';
import { ipEquals, parseIp } from './ip.js';
import type { Ip } from './ip.js';
import { IPV4_SPECIAL_RANGES, IPV6_SPECIAL_RANGES } from './special-ranges.js';
import type { Embedding, SpecialRange } from './special-ranges.js';

/** What an address is. `global: false` means blocked unless the operator opted in. */
export interface AddressInfo {
  global: boolean;
  /** The CIDR that matched, e.g. '169.254.0.0/16' (or '0.0.0.0/0' / '2000::/3' for plain global). */
  range: string;
  /** Short stable reason: 'loopback', 'private-use', 'metadata', 'ipv4-mapped', ... */
  label: string;
  /** The IPv4 address carried inside an IPv4-mapped, -compatible, NAT64, 6to4 or Teredo address. */
  embeddedV4?: Ip;
  /** How `embeddedV4` itself classifies (for a mapped address this decides `global`). */
  embedded?: AddressInfo;
}

interface CompiledRange {
  cidr: Cidr;
  info: Readonly<AddressInfo>;
  embeds: Embedding | undefined;
}

function compile(rows: readonly SpecialRange[]): readonly CompiledRange[] {
  return rows.map((r) => {
    const cidr = parseCidr(r.cidr);
    // A row with host bits set would silently cover a different range than it reads.
    const written = parseIp(r.cidr.slice(0, r.cidr.indexOf('/')));
    if (written === null || !ipEquals(written, cidr)) throw new Error(`special-ranges: "${r.cidr}" has host bits set`);
    // The row's own spelling is the reported range, so '::ffff:0:0/96' reads as IANA writes it.
    return { cidr, info: Object.freeze({ global: r.global, range: r.cidr, label: r.label }), embeds: r.embeds };
  });
}

const V4 = compile(IPV4_SPECIAL_RANGES);
const V6 = compile(IPV6_SPECIAL_RANGES);

/**
 * Classify one address by longest-prefix match over the special-purpose table.
 * Returns a shared, frozen object for the common case (no allocation); only
 * addresses that embed an IPv4 address get a fresh object.
 *
 * @example
 * classifyAddress(parseIp('169.254.169.254')!); // { global: false, range: '169.254.169.254/32', label: 'metadata' }
 * classifyAddress(parseIp('::ffff:10.0.0.1')!).embedded?.label; // 'private-use'
 */
export function classifyAddress(ip: Ip): AddressInfo {
  const table = ip.family === 4 ? V4 : V6;
  let best: CompiledRange | undefined;
  for (const row of table) {
    if ((best === undefined || row.cidr.prefix > best.cidr.prefix) && cidrContains(row.cidr, ip)) best = row;
  }
  // The table has a /0 row per family, so `best` is always set; fail closed regardless.
  if (best === undefined) return { global: false, range: 'unknown', label: 'reserved' };
  if (best.embeds === undefined) return best.info;
  const embeddedV4 = extractV4(ip.bytes, best.embeds);
  const embedded = classifyAddress(embeddedV4);
  // A mapped address is the IPv4 address on the wire, so it inherits its verdict;
  // every other embedding is a translation or tunnel mechanism and stays blocked.
  const global = best.embeds === 'mapped' ? embedded.global : false;
  return { global, range: best.info.range, label: best.info.label, embeddedV4, embedded };
}

function extractV4(b: Uint8Array, how: Embedding): Ip {
  switch (how) {
    case '6to4': // 2002:AABB:CCDD::/48 (RFC 3056 2)
      return { family: 4, bytes: b.slice(2, 6) };
    case 'teredo': {
      // The client's public address, stored inverted in the last 32 bits (RFC 4380 4).
      const bytes = b.slice(12, 16);
      for (let i = 0; i < 4; i++) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
      return { family: 4, bytes };
    }
    default: // mapped, compatible, NAT64 /96: the last 32 bits (RFC 4291, RFC 6052 2.2)
      return { family: 4, bytes: b.slice(12, 16) };
  }
}
