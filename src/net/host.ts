/**
 * Turn whatever an agent wrote as a host (URL host, CONNECT authority host,
 * Host header host part) into one canonical form, or refuse it.
 *
 * The order follows the URL Standard's host parser so the gate reads a host
 * exactly as the agent's URL library did: brackets mean IPv6; otherwise
 * percent-decode, IDNA-map, and if the result "ends in a number" it is an IPv4
 * address in any inet_aton spelling, never a name. Anything odd fails closed.
 */
import { domainToASCII } from 'node:url';
import { BadHostError } from '../errors.js';
import { canonicalIp, formatIp, parseIp } from './ip.js';
import type { Ip } from './ip.js';
import { endsInNumber, parseWhatwgIpv4 } from './ipv4-whatwg.js';

/** A canonical host: an IP literal (with its canonical text, no brackets) or a lowercase ASCII name. */
export type Host = { kind: 'ip'; ip: Ip; text: string } | { kind: 'name'; name: string };

/** Longer input cannot be a valid host even fully percent-encoded; refuse before doing work. */
const MAX_RAW_LENGTH = 1024;
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Normalise a host. IP literals become `{ kind: 'ip' }` (every IPv4 spelling the
 * URL Standard accepts: `2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`,
 * `127.0.0.1.`; IPv6 bare or in brackets). Names are lowercased, IDNA-encoded
 * to ASCII, stripped of one trailing dot, and checked for label and length
 * limits. IPv4-mapped and IPv4-compatible IPv6 literals become the IPv4 address
 * they carry (the host a socket reaches), so every spelling of one host has one
 * form. Throws `BadHostError` for anything else, including IPv6 zone ids.
 *
 * @example
 * normalizeHost('0x7f.1');        // { kind: 'ip', ip: ..., text: '127.0.0.1' }
 * normalizeHost('[::1]');         // { kind: 'ip', ip: ..., text: '::1' }
 * normalizeHost('[::ffff:7f00:2]'); // { kind: 'ip', ip: ..., text: '127.0.0.2' }
 * normalizeHost('Bücher.Example.'); // { kind: 'name', name: 'xn--bcher-kva.example' }
 * normalizeHost('fe80::1%eth0');  // throws BadHostError
 */
export function normalizeHost(raw: string): Host {
  if (raw.length === 0) throw new BadHostError('empty host', raw);
  if (raw.length > MAX_RAW_LENGTH) throw new BadHostError('host too long', raw.slice(0, 64));
  if (raw.charCodeAt(0) === 0x5b /* [ */) {
    if (raw.charCodeAt(raw.length - 1) !== 0x5d /* ] */) throw new BadHostError('unclosed "[" in host', raw);
    return ipv6Host(raw.slice(1, -1), raw);
  }
  if (raw.includes(':')) return ipv6Host(raw, raw);

  const decoded = raw.includes('%') ? percentDecode(raw) : raw;
  if (hasForbiddenCodePoint(decoded)) throw new BadHostError('host contains a character not allowed in a host', raw);

  // For ASCII input IDNA only lowercases, so the number check can run first and
  // our parser, not the IDNA library, decides every numeric spelling.
  const ascii = isAscii(decoded);
  if (ascii) {
    const lower = decoded.toLowerCase();
    if (endsInNumber(lower)) return ipv4Host(lower, raw);
  }
  const mapped = domainToASCII(ascii ? decoded.toLowerCase() : decoded);
  if (mapped === '') throw new BadHostError('host is not a valid domain name (IDNA)', raw);
  // Non-ASCII digits and dots (e.g. fullwidth) only become an IPv4 address after mapping.
  if (endsInNumber(mapped)) return ipv4Host(mapped, raw);
  return { kind: 'name', name: checkName(mapped, raw) };
}

/**
 * Names that are loopback by definition (RFC 6761 6.3: `localhost` and every name
 * under it). The gate refuses them before policy and without DNS, as it refuses a
 * loopback IP literal: a resolver may answer anything for them, and a rule written
 * for `127.0.0.1` must not be walked around by a name. Takes a normalised name
 * (lower case, no trailing dot).
 *
 * @example
 * isLoopbackName('foo.localhost'); // true
 * isLoopbackName('localhost.example.com'); // false
 */
export function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost');
}

function ipv6Host(inner: string, raw: string): Host {
  if (inner.includes('%')) throw new BadHostError('IPv6 zone identifiers are not allowed', raw);
  const ip = parseIp(inner);
  if (ip === null || ip.family !== 6) {
    // A bare host with ':' is most often HOST:PORT passed whole; say so.
    const why = inner === raw ? 'invalid host (":" is only allowed in an IPv6 literal)' : 'invalid IPv6 address';
    throw new BadHostError(why, raw);
  }
  // One canonical address per host: a mapped or compatible address is the IPv4 host it reaches.
  const canonical = canonicalIp(ip);
  return { kind: 'ip', ip: canonical, text: formatIp(canonical) };
}

function ipv4Host(text: string, raw: string): Host {
  const bytes = parseWhatwgIpv4(text);
  if (bytes === null) throw new BadHostError('host ends in a number but is not a valid IPv4 address', raw);
  const ip: Ip = { family: 4, bytes };
  return { kind: 'ip', ip, text: formatIp(ip) };
}

function checkName(name: string, raw: string): string {
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.length === 0) throw new BadHostError('empty host name', raw);
  if (name.length > MAX_NAME_LENGTH) throw new BadHostError(`host name longer than ${MAX_NAME_LENGTH}`, raw);
  let labelStart = 0;
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const len = i - labelStart;
      if (len === 0) throw new BadHostError('host name has an empty label', raw);
      if (len > MAX_LABEL_LENGTH) throw new BadHostError(`host name label longer than ${MAX_LABEL_LENGTH}`, raw);
      labelStart = i + 1;
      continue;
    }
    // LDH plus '_', which real DNS names (service records, some SaaS hosts) use.
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
    if (!ok) throw new BadHostError('host name contains a character not allowed in host names', raw);
  }
  return name;
}

/**
 * The URL Standard's forbidden domain code points, checked before IDNA because
 * `domainToASCII` would otherwise cut the host at '/', '?' or '#' and hand back
 * a different, valid-looking name.
 */
function hasForbiddenCodePoint(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
    switch (c) {
      case 0x23: // #
      case 0x25: // % (only reachable after decoding: no double decoding)
      case 0x2f: // /
      case 0x3a: // :
      case 0x3c: // <
      case 0x3e: // >
      case 0x3f: // ?
      case 0x40: // @
      case 0x5b: // [
      case 0x5c: // \
      case 0x5d: // ]
      case 0x5e: // ^
      case 0x7c: // |
        return true;
    }
  }
  return false;
}

/** UTF-8 percent-decoding, once, as the URL Standard does for hosts; a malformed escape is refused. */
function percentDecode(raw: string): string {
  const input = Buffer.from(raw, 'utf8');
  const out = Buffer.alloc(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i] ?? 0;
    if (c !== 0x25) {
      out[n++] = c;
      continue;
    }
    const hi = hexDigit(input[i + 1] ?? 0);
    const lo = hexDigit(input[i + 2] ?? 0);
    if (hi < 0 || lo < 0) throw new BadHostError('malformed percent-escape in host', raw);
    out[n++] = (hi << 4) | lo;
    i += 2;
  }
  try {
    return utf8.decode(out.subarray(0, n));
  } catch {
    throw new BadHostError('percent-escapes in host are not valid UTF-8', raw);
  }
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
