/**
 * A quarantine target in the gate's canonical forms, so one entry covers every way an
 * agent may write the host: names as the URL host parser reads them (lower case,
 * IDNA, no trailing dot), IP addresses and CIDRs with IPv4-mapped and -compatible IPv6
 * read as the IPv4 they carry (as rules and `network.allow_private` are), and a `*.`
 * suffix for every name under a domain (not the domain itself).
 *
 * @example
 * parseQuarantineTarget('[::ffff:10.0.0.1]'); // { kind: 'cidr', text: '10.0.0.1/32', ... }
 * parseQuarantineTarget('Evil.Example.');     // { kind: 'name', text: 'evil.example' }
 * parseQuarantineTarget('*.evil.example');     // { kind: 'suffix', text: '*.evil.example' }
 */
import { parseCidr as canonicalCidrText } from '../config/cidr.js';
import { InvalidArgumentError } from '../identity/errors.js';
import { cidrContains, parseCidr, type Cidr } from '../net/cidr.js';
import { normalizeHost, type Host } from '../net/host.js';
import { canonicalIp } from '../net/ip.js';

export type QuarantineTarget =
  | { readonly kind: 'name'; readonly text: string }
  | { readonly kind: 'suffix'; readonly text: string; readonly under: string }
  | { readonly kind: 'cidr'; readonly text: string; readonly cidr: Cidr };

/** Parse what an operator wrote; throws InvalidArgumentError('target', ...) naming the problem. */
export function parseQuarantineTarget(raw: string): QuarantineTarget {
  const v = raw.trim();
  if (v.length === 0) throw new InvalidArgumentError('target', 'empty; expected a host name, *.domain, an IP address or a CIDR');
  if (v.includes('://')) throw new InvalidArgumentError('target', `'${v.slice(0, 80)}' is a URL; give its host (or a CIDR)`);
  try {
    if (v.startsWith('*.')) {
      const host = normalizeHost(v.slice(2));
      if (host.kind !== 'name') throw new Error('a *. suffix takes a domain name, not an IP address');
      return { kind: 'suffix', text: `*.${host.name}`, under: host.name };
    }
    if (v.includes('/') || v.includes(':') || v.startsWith('[')) {
      const bare = v.startsWith('[') && v.includes(']') ? v.slice(1, v.indexOf(']')) + v.slice(v.indexOf(']') + 1) : v;
      const text = canonicalCidrText(bare);
      return { kind: 'cidr', text, cidr: parseCidr(text) };
    }
    const host = normalizeHost(v);
    if (host.kind === 'ip') {
      const text = `${host.text}/${host.ip.family === 4 ? 32 : 128}`;
      return { kind: 'cidr', text, cidr: parseCidr(text) };
    }
    return { kind: 'name', text: host.name };
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError('target', `'${v.slice(0, 80)}': ${(err as Error).message}`);
  }
}

/** True when `t` covers `host` (a host from normalizeHost: already canonical). */
export function targetCovers(t: QuarantineTarget, host: Host): boolean {
  if (host.kind === 'ip') return t.kind === 'cidr' && cidrContains(t.cidr, canonicalIp(host.ip));
  if (t.kind === 'name') return t.text === host.name;
  if (t.kind === 'suffix') return host.name.endsWith(`.${t.under}`);
  return false;
}
