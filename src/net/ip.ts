/**
 * Strict IP literal parsing and canonical formatting.
 *
 * `parseIp` accepts only the canonical textual forms (dotted-quad IPv4 without
 * leading zeros, RFC 4291 IPv6 text without zone ids or brackets). The lenient
 * spellings agents use to smuggle addresses past filters (`0x7f.1`, `2130706433`)
 * are the job of `normalizeHost`; keeping this parser strict means config files
 * and DNS answers cannot be ambiguous.
 */

/** An IP address as raw network-order bytes (4 for IPv4, 16 for IPv6). */
export interface Ip {
  family: 4 | 6;
  bytes: Uint8Array;
}

const MAX_V6_TEXT = 45; // 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255'

/**
 * Parse a canonical IPv4 dotted-quad or an IPv6 literal (including the
 * `::ffff:1.2.3.4` mixed forms). Returns null for anything else: brackets,
 * zone ids, leading zeros in IPv4 parts, shorthand IPv4, whitespace.
 *
 * @example
 * parseIp('10.0.0.1');          // { family: 4, bytes: Uint8Array [10, 0, 0, 1] }
 * parseIp('::ffff:127.0.0.1');  // { family: 6, bytes: ... }
 * parseIp('0x7f.1');            // null (use normalizeHost for lenient spellings)
 */
export function parseIp(text: string): Ip | null {
  if (text.includes(':')) {
    const bytes = new Uint8Array(16);
    return parseV6(text, bytes) ? { family: 6, bytes } : null;
  }
  const bytes = new Uint8Array(4);
  return parseV4Into(text, 0, text.length, bytes, 0) ? { family: 4, bytes } : null;
}

/**
 * Canonical text: dotted-quad for IPv4, RFC 5952 for IPv6 (lowercase, no
 * leading zeros, the longest run of two or more zero groups compressed,
 * leftmost on a tie). IPv4-mapped addresses use the mixed form RFC 5952 §5
 * recommends, `::ffff:192.0.2.1`, so the embedded IPv4 stays readable in logs.
 *
 * @example
 * formatIp(parseIp('2001:DB8:0:0:1:0:0:1')!); // '2001:db8::1:0:0:1'
 */
export function formatIp(ip: Ip): string {
  const b = ip.bytes;
  if (ip.family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (isV4MappedBytes(b)) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  let bestStart = -1;
  let bestLen = 1; // a single zero group is never compressed (RFC 5952 §4.2.2)
  for (let i = 0; i < 8;) {
    if (word(b, i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && word(b, j) === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += word(b, i).toString(16);
  }
  return out;
}

/** True when both addresses have the same family and bytes. */
export function ipEquals(a: Ip, b: Ip): boolean {
  if (a.family !== b.family) return false;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}

/** The IPv4 address inside `::ffff:a.b.c.d`, or the address itself when it is not mapped. */
export function unmapIp(ip: Ip): Ip {
  if (ip.family === 6 && isV4MappedBytes(ip.bytes)) return { family: 4, bytes: ip.bytes.slice(12, 16) };
  return ip;
}

/**
 * The address a socket would reach, as one canonical value: IPv4-mapped
 * (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`, not `::` or `::1`) addresses
 * are the IPv4 address they carry, so a rule on `127.0.0.2` also covers
 * `[::ffff:127.0.0.2]` and `[::127.0.0.2]`. Every other address is returned as is.
 *
 * @example
 * formatIp(canonicalIp(parseIp('::ffff:7f00:2')!)); // '127.0.0.2'
 * formatIp(canonicalIp(parseIp('::1')!));           // '::1'
 */
export function canonicalIp(ip: Ip): Ip {
  if (ip.family === 4) return ip;
  const b = ip.bytes;
  if (isV4MappedBytes(b)) return { family: 4, bytes: b.slice(12, 16) };
  for (let i = 0; i < 12; i++) if (b[i] !== 0) return ip;
  // `::` and `::1` are IPv6's own unspecified and loopback addresses, not embeddings.
  if (b[12] === 0 && b[13] === 0 && b[14] === 0 && ((b[15] ?? 0) & 0xfe) === 0) return ip;
  return { family: 4, bytes: b.slice(12, 16) };
}

/**
 * Canonical text of an IP literal written in any strict form (`0:0:0:0:0:0:0:1`,
 * `::FFFF:127.0.0.2`, `[::1]`), or null when it is not one. What config patterns
 * and request hosts are compared in.
 *
 * @example
 * canonicalIpText('0:0:0:0:0:0:0:1'); // '::1'
 * canonicalIpText('[::ffff:10.0.0.1]'); // '10.0.0.1'
 */
export function canonicalIpText(text: string): string | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const ip = parseIp(bare);
  return ip === null ? null : formatIp(canonicalIp(ip));
}

function isV4MappedBytes(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function word(b: Uint8Array, group: number): number {
  return ((b[group * 2] ?? 0) << 8) | (b[group * 2 + 1] ?? 0);
}

/** Strict dotted-quad in text[start, end) into out[at..at+3]. */
function parseV4Into(text: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  if (end - start > 15 || end - start < 7) return false;
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 0x2e; // a virtual '.' closes the last part
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[at + part] = value;
      part++;
      value = 0;
      digits = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39) return false;
    if (digits === 1 && value === 0) return false; // leading zero: octal to inet_aton, so ambiguous
    value = value * 10 + (c - 0x30);
    digits++;
    if (value > 255) return false;
  }
  return part === 4;
}

function parseV6(text: string, out: Uint8Array): boolean {
  if (text.length < 2 || text.length > MAX_V6_TEXT) return false;
  const gap = text.indexOf('::');
  if (gap !== -1 && text.indexOf('::', gap + 1) !== -1) return false;
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? '' : text.slice(gap + 2);
  const headWords: number[] = [];
  const tailWords: number[] = [];
  // Only the very last textual group may be an embedded IPv4 address.
  if (!parseGroups(head, headWords, gap === -1)) return false;
  if (!parseGroups(tail, tailWords, true)) return false;
  const used = headWords.length + tailWords.length;
  if (gap === -1 ? used !== 8 : used > 7) return false; // '::' stands for at least one group
  for (let i = 0; i < headWords.length; i++) writeWord(out, i, headWords[i] ?? 0);
  const tailStart = 8 - tailWords.length;
  for (let i = 0; i < tailWords.length; i++) writeWord(out, tailStart + i, tailWords[i] ?? 0);
  return true;
}

/** Colon-separated hex groups; an empty string is zero groups. Pushes 16-bit words. */
function parseGroups(s: string, words: number[], v4AllowedAtEnd: boolean): boolean {
  if (s === '') return true;
  let start = 0;
  for (;;) {
    const colon = s.indexOf(':', start);
    const end = colon === -1 ? s.length : colon;
    if (colon === -1 && v4AllowedAtEnd && s.indexOf('.', start) !== -1) {
      const v4 = new Uint8Array(4);
      if (!parseV4Into(s, start, end, v4, 0)) return false;
      words.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      return words.length <= 8;
    }
    const len = end - start;
    if (len < 1 || len > 4) return false;
    let value = 0;
    for (let i = start; i < end; i++) {
      const h = hexValue(s.charCodeAt(i));
      if (h < 0) return false;
      value = (value << 4) | h;
    }
    words.push(value);
    if (words.length > 8) return false;
    if (colon === -1) return true;
    start = colon + 1;
  }
}

function writeWord(out: Uint8Array, group: number, value: number): void {
  out[group * 2] = value >> 8;
  out[group * 2 + 1] = value & 0xff;
}

/** Hex digit value, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
