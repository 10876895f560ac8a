/**
 * "METHOD URL", as `sluice policy test` cases and `sluice explain` take a
 * request. The host is read the way the gate reads it (src/net/host.ts), and the
 * path is kept exactly as written, not normalised by a URL parser, so cases can
 * test how the policy treats `..`, `%2F` and the like.
 */
import { normalizeHost } from '../net/host.js';
import type { RequestFacts } from '../policy/types.js';

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Throws a TypeError naming what is wrong.
 *
 * @example
 * parseRequestLine('GET https://api.github.com/repos/acme/x?page=2');
 * // { scheme: 'https', host: 'api.github.com', port: 443, method: 'GET', path: '/repos/acme/x?page=2' }
 */
export function parseRequestLine(line: string): RequestFacts {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 2) throw new TypeError(`expected "METHOD URL", like "GET https://api.github.com/"; got '${line}'`);
  const [method = '', url = ''] = parts;
  if (!METHOD.test(method)) throw new TypeError(`'${method}' is not an HTTP method`);
  return { method: method.toUpperCase(), ...parseTargetUrl(url) };
}

/**
 * @example
 * parseTargetUrl('http://[::1]:8080/a/../b'); // { scheme: 'http', host: '::1', port: 8080, path: '/a/../b' }
 */
export function parseTargetUrl(url: string): Omit<RequestFacts, 'method'> {
  const m = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!m) throw new TypeError(`expected an http:// or https:// URL; got '${url}'`);
  const scheme = m[1]!.toLowerCase() === 'https' ? 'https' : 'http';
  const authority = m[2]!;
  if (authority.includes('@')) throw new TypeError(`a URL with a user name or password is not a request the gate would see: '${url}'`);
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
  if (!hp || hp[1] === '') throw new TypeError(`no host in '${url}'`);
  let host: string;
  try {
    const h = normalizeHost(hp[1]!);
    host = h.kind === 'ip' ? h.text : h.name;
  } catch (err) {
    throw new TypeError(`bad host in '${url}': ${(err as Error).message}`);
  }
  const port = hp[2] === undefined || hp[2] === '' ? (scheme === 'https' ? 443 : 80) : Number(hp[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`bad port in '${url}'`);
  let path = m[3]!.replace(/#.*$/, '');
  if (!path.startsWith('/')) path = `/${path}`;
  return { scheme, host, port, path };
}
