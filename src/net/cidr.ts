/**
 * CIDR parsing and a membership set built for the per-request hot path.
 *
 * `CidrSet` merges its ranges into sorted, disjoint [start, end] intervals per
 * family and answers `has()` by binary search over typed arrays: O(log n), no
 * allocation, whatever the number of entries.
 */
import { formatIp, parseIp } from './ip.js';
import type { Ip } from './ip.js';

/** A network: the address with host bits cleared, and the prefix length. */
export interface Cidr {
  family: 4 | 6;
  /** Network address (host bits masked off). */
  bytes: Uint8Array;
  prefix: number;
  /** Canonical text, e.g. '10.0.0.0/8' or '2001:db8::/32'. */
  text: string;
}

/**
 * Parse `ADDRESS/PREFIX` (strict IP literal, decimal prefix). Host bits are
 * masked off (`10.1.2.3/8` is `10.0.0.0/8`); a bare address means a single
 * host (/32 or /128). Throws an Error naming the text on anything else.
 *
 * @example
 * parseCidr('192.168.1.7/16').text; // '192.168.0.0/16'
 * parseCidr('10.0.0.0/33');         // throws: prefix out of range
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIp(addrText);
  if (ip === null) throw new Error(`invalid CIDR "${text}": "${addrText}" is not an IP address`);
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p)) throw new Error(`invalid CIDR "${text}": prefix "${p}" is not a number`);
    prefix = Number(p);
    if (prefix > max) throw new Error(`invalid CIDR "${text}": prefix ${prefix} out of range 0-${max}`);
  }
  const bytes = ip.bytes;
  for (let i = 0; i < bytes.length; i++) bytes[i] = (bytes[i] ?? 0) & maskByte(prefix, i);
  return { family: ip.family, bytes, prefix, text: `${formatIp(ip)}/${prefix}` };
}

/** True when `ip` is inside `cidr` (same family only). */
export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.family !== ip.family) return false;
  const whole = cidr.prefix >> 3;
  for (let i = 0; i < whole; i++) if (cidr.bytes[i] !== ip.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return ((ip.bytes[whole] ?? 0) & m) === cidr.bytes[whole];
}

/** The mask byte at `index` for a prefix length. */
function maskByte(prefix: number, index: number): number {
  const bits = prefix - index * 8;
  if (bits >= 8) return 0xff;
  if (bits <= 0) return 0;
  return (0xff << (8 - bits)) & 0xff;
}

/**
 * A set of CIDRs with fast membership. An address only matches ranges of its
 * own family: `::ffff:10.0.0.1` is not in `10.0.0.0/8` (callers that want
 * mapped addresses treated as IPv4 unmap them first).
 *
 * @example
 * const allow = new CidrSet(['10.0.0.0/8', 'fd00::/8']);
 * allow.has(parseIp('10.1.2.3')!); // true
 * allow.size;                      // 2
 */
export class CidrSet {
  /** Number of distinct CIDRs given (after masking host bits). */
  readonly size: number;
  private readonly v4Start: Uint32Array;
  private readonly v4End: Uint32Array;
  /** IPv6 intervals as 16-byte records, start and end laid out back to back. */
  private readonly v6Start: Uint8Array;
  private readonly v6End: Uint8Array;
  private readonly v6Count: number;

  constructor(cidrs: readonly string[]) {
    const distinct = new Map<string, Cidr>();
    for (const text of cidrs) {
      const c = parseCidr(text);
      distinct.set(c.text, c);
    }
    this.size = distinct.size;
    const v4: [number, number][] = [];
    const v6: [bigint, bigint][] = [];
    for (const c of distinct.values()) {
      if (c.family === 4) {
        const start = readU32(c.bytes, 0);
        const span = c.prefix === 0 ? 0xffffffff : 2 ** (32 - c.prefix) - 1;
        v4.push([start, start + span]);
      } else {
        const start = readU128(c.bytes);
        v6.push([start, start | ((1n << BigInt(128 - c.prefix)) - 1n)]);
      }
    }
    const m4 = mergeIntervals(
      v4,
      (a, b) => a - b,
      (end, start) => end + 1 >= start,
    );
    this.v4Start = Uint32Array.from(m4, (r) => r[0]);
    this.v4End = Uint32Array.from(m4, (r) => r[1]);
    const m6 = mergeIntervals(
      v6,
      (a, b) => (a < b ? -1 : a > b ? 1 : 0),
      (end, start) => end + 1n >= start,
    );
    this.v6Count = m6.length;
    this.v6Start = new Uint8Array(m6.length * 16);
    this.v6End = new Uint8Array(m6.length * 16);
    m6.forEach(([s, e], i) => {
      writeU128(this.v6Start, i * 16, s);
      writeU128(this.v6End, i * 16, e);
    });
  }

  /** True when `ip` falls in any CIDR of its own family. Allocation-free. */
  has(ip: Ip): boolean {
    if (ip.family === 4) {
      const x = readU32(ip.bytes, 0);
      const starts = this.v4Start;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if ((starts[mid] ?? 0) <= x) lo = mid + 1;
        else hi = mid - 1;
      }
      return hi >= 0 && x <= (this.v4End[hi] ?? 0);
    }
    let lo = 0;
    let hi = this.v6Count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare16(this.v6Start, mid * 16, ip.bytes) <= 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && compare16(this.v6End, hi * 16, ip.bytes) >= 0;
  }
}

/** Sort by start and merge overlapping or adjacent intervals. */
function mergeIntervals<T>(list: [T, T][], cmp: (a: T, b: T) => number, touches: (end: T, start: T) => boolean): [T, T][] {
  list.sort((a, b) => cmp(a[0], b[0]));
  const out: [T, T][] = [];
  for (const r of list) {
    const last = out[out.length - 1];
    if (last !== undefined && touches(last[1], r[0])) {
      if (cmp(r[1], last[1]) > 0) last[1] = r[1];
    } else {
      out.push([r[0], r[1]]);
    }
  }
  return out;
}

/** Compare the 16-byte record at table[offset] with ip (same layout). */
function compare16(table: Uint8Array, offset: number, ip: Uint8Array): number {
  for (let i = 0; i < 16; i++) {
    const d = (table[offset + i] ?? 0) - (ip[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function readU32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

function readU128(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(b[i] ?? 0);
  return v;
}

function writeU128(out: Uint8Array, at: number, v: bigint): void {
  for (let i = 15; i >= 0; i--) {
    out[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}
