/**
 * The host a leaf certificate is minted for, normalised: the same host spelt
 * differently (`Example.TEST.`, `[::1]`, `0:0::1`, `bücher.de`) maps to one cache
 * key and one certificate, and anything that cannot be a certificate name (zone
 * ids, wildcards, spaces) is refused before any signing happens.
 *
 * @example
 * normalizeLeafHost('[0:0::1]');     // { kind: 'ip', name: '::1', key: 'ip:::1' }
 * normalizeLeafHost('Example.TEST.'); // { kind: 'dns', name: 'example.test', key: 'dns:example.test' }
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { BadHostError } from '../errors.js';

/** A host ready to go in a SubjectAltName: a DNS name (A-label form) or a canonical IP literal. */
export interface LeafHost {
  kind: 'dns' | 'ip';
  /** The SAN value: lower-case A-label DNS name, or canonical IP text. */
  name: string;
  /** Cache key; kind-prefixed so a name can never collide with an address. */
  key: string;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Normalise a DNS name or IP literal (IPv6 with or without brackets). Throws
 * BadHostError for anything else.
 *
 * @example
 * normalizeLeafHost('127.0.0.1').kind; // 'ip'
 */
export function normalizeLeafHost(host: string): LeafHost {
  const bracketed = host.startsWith('[') && host.endsWith(']');
  const bare = bracketed ? host.slice(1, -1) : host;
  // Zone ids (fe80::1%eth0) are local to this machine and cannot be put in a certificate.
  if (bare.includes('%')) throw new BadHostError(`not a certificate name: IPv6 zone ids are not allowed: ${host}`, host);
  const family = isIP(bare);
  if (family === 4 && !bracketed) return ip(bare);
  if (family === 6) {
    // The URL parser prints the RFC 5952 form: lower case, longest zero run compressed.
    return ip(new URL(`http://[${bare}]/`).hostname.slice(1, -1));
  }
  if (bracketed) throw new BadHostError(`not a certificate name: brackets must hold an IPv6 address: ${host}`, host);
  const name = dnsName(host);
  return { kind: 'dns', name, key: `dns:${name}` };
}

function ip(name: string): LeafHost {
  return { kind: 'ip', name, key: `ip:${name}` };
}

function dnsName(host: string): string {
  if (host.includes('*')) throw new BadHostError(`not a certificate name: wildcards are not minted: ${host}`, host);
  // domainToASCII lower-cases and converts IDNs to A-labels; '' means invalid.
  const ascii = domainToASCII(host);
  const name = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  if (name.length === 0 || name.length > 253 || !name.split('.').every((l) => LABEL.test(l))) {
    throw new BadHostError(`not a certificate name: invalid DNS name: ${JSON.stringify(host)}`, host);
  }
  return name;
}

/**
 * The iPAddress SAN octets for a canonical IP literal: 4 bytes for IPv4, 16 for IPv6.
 *
 * @example
 * ipAddressBytes('::1'); // <Buffer 00 ... 00 01> (16 bytes)
 */
export function ipAddressBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  if (isIP(ip) !== 6) throw new BadHostError(`not an IP address: ${ip}`, ip);
  let text = ip;
  // A trailing dotted quad (::ffff:1.2.3.4) is the last two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
