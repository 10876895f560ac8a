/**
 * The `listen` setting: HOST:PORT, with IPv6 hosts in brackets as in URLs.
 */
import { isIP } from 'node:net';
import { isHostName } from './host-pattern.js';

/** Where the gate listens; `host` is unbracketed, ready for `server.listen`. */
export interface ListenAddress {
  host: string;
  port: number;
}

const EXPECTED = 'expected HOST:PORT like 127.0.0.1:8877 (IPv6 as [::1]:8877)';

/**
 * Parse HOST:PORT. Port 0 is allowed (the OS picks one, handy in tests).
 * Throws a TypeError whose message says what was expected.
 *
 * @example
 * parseListen('127.0.0.1:8877'); // { host: '127.0.0.1', port: 8877 }
 * parseListen('[::1]:0');        // { host: '::1', port: 0 }
 * parseListen('[fe80::1%eth0]:80'); // link-local needs its zone id, so it is kept
 * parseListen('::1:8877');       // throws: IPv6 addresses need brackets: [::1]:8877
 */
export function parseListen(v: string): ListenAddress {
  let host: string;
  let port: string;
  if (v.startsWith('[')) {
    const m = /^\[([^\]]*)\]:(.*)$/.exec(v);
    if (!m) throw new TypeError(`${EXPECTED}; got '${v}'`);
    host = m[1] ?? '';
    port = m[2] ?? '';
    if (isIP(host) !== 6) throw new TypeError(`'${host}' in brackets is not an IPv6 address; ${EXPECTED}`);
  } else {
    const colon = v.lastIndexOf(':');
    if (colon < 0) throw new TypeError(`${EXPECTED}; got '${v}', which has no port`);
    host = v.slice(0, colon);
    port = v.slice(colon + 1);
    if (host === '') {
      throw new TypeError(`${EXPECTED}; got '${v}', which has no host (127.0.0.1${v} listens on this machine only, 0.0.0.0${v} on every interface)`);
    }
    if (host.includes(':')) throw new TypeError(`IPv6 addresses need brackets: [${host}]:${port}`);
    if (isIP(host) === 0 && !isHostName(host)) throw new TypeError(`'${host}' is not an IP address or host name; ${EXPECTED}`);
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw new TypeError(`port '${port}' must be a whole number from 0 to 65535; ${EXPECTED}`);
  }
  // Only names are case-insensitive; an IPv6 zone id names an interface and keeps its case.
  return { host: isIP(host) === 0 ? host.toLowerCase() : host, port: Number(port) };
}
