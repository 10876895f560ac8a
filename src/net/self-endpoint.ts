/**
 * Is a destination the gate itself? A request that loops back into one of the
 * gate's own listeners would be re-admitted with the gate's authority (and can
 * recurse), so it is refused even where `allowPrivate` covers the address.
 */
import { networkInterfaces } from 'node:os';
import { ipEquals, parseIp, unmapIp } from './ip.js';
import type { Ip } from './ip.js';

/** An address and port the gate listens on; `0.0.0.0` or `::` mean every local address. */
export interface Endpoint {
  address: string;
  port: number;
}

/**
 * True when dialing `dest:port` would reach one of `endpoints`. A listener on
 * an unspecified address (or one whose address cannot be parsed: fail closed)
 * matches loopback, unspecified, and every address on a local interface.
 *
 * @example
 * isSelfDestination(parseIp('127.0.0.1')!, 8080, [{ address: '0.0.0.0', port: 8080 }]); // true
 */
export function isSelfDestination(dest: Ip, port: number, endpoints: readonly Endpoint[]): boolean {
  const d = unmapIp(dest);
  let local: Ip[] | undefined;
  for (const ep of endpoints) {
    if (ep.port !== port) continue;
    const listen = parseListenAddress(ep.address);
    if (listen !== null && !isUnspecified(listen)) {
      if (ipEquals(listen, d)) return true;
      continue;
    }
    if (isLoopback(d) || isUnspecified(d)) return true;
    // Interfaces can change while the gate runs, so read them when needed: this
    // path is only reached when the port already matches a listener.
    local ??= localAddresses();
    for (const a of local) if (ipEquals(a, d)) return true;
  }
  return false;
}

/** 0.0.0.0 or :: (also as ::ffff:0.0.0.0). */
export function isUnspecified(ip: Ip): boolean {
  const u = unmapIp(ip);
  for (const b of u.bytes) if (b !== 0) return false;
  return true;
}

function isLoopback(ip: Ip): boolean {
  const b = ip.bytes;
  if (ip.family === 4) return b[0] === 127;
  for (let i = 0; i < 15; i++) if (b[i] !== 0) return false;
  return b[15] === 1;
}

function parseListenAddress(text: string): Ip | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = bare.indexOf('%');
  const ip = parseIp(zone === -1 ? bare : bare.slice(0, zone));
  return ip === null ? null : unmapIp(ip);
}

function localAddresses(): Ip[] {
  const out: Ip[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      const ip = parseListenAddress(info.address);
      if (ip !== null) out.push(ip);
    }
  }
  return out;
}
