/**
 * Set one query parameter in an origin-form path, leaving the others (their
 * order, their original spelling) untouched. Every existing occurrence of the
 * parameter, however the agent spelt it (`api_key`, `api%5Fkey`), is replaced by
 * one, at the first occurrence's place, or appended.
 *
 * @example
 * setQueryParam('/v1/x?b=2&api_key=AGENT&c=3', 'api_key', 'v%26al');
 * // '/v1/x?b=2&api_key=v%26al&c=3'
 */
import { percentEncode } from './percent-encode.js';

function decodedName(part: string): string {
  const eq = part.indexOf('=');
  const raw = (eq === -1 ? part : part.slice(0, eq)).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** `path` with `name` set to `encodedValue` (already percent-encoded). */
export function setQueryParam(path: string, name: string, encodedValue: string): string {
  const q = path.indexOf('?');
  const base = q === -1 ? path : path.slice(0, q);
  const pair = `${percentEncode(Buffer.from(name, 'utf8'))}=${encodedValue}`;
  if (q === -1 || q === path.length - 1) return `${base}?${pair}`;
  const parts = path.slice(q + 1).split('&');
  const out: string[] = [];
  let placed = false;
  for (const part of parts) {
    if (part !== '' && decodedName(part) === name) {
      if (!placed) out.push(pair);
      placed = true;
    } else {
      out.push(part);
    }
  }
  if (!placed) out.push(pair);
  return `${base}?${out.join('&')}`;
}

/** Split an origin-form path into the part before `?` and the query (without `?`, undefined if none). */
export function splitPath(path: string): { pathname: string; query: string | undefined } {
  const q = path.indexOf('?');
  return q === -1 ? { pathname: path, query: undefined } : { pathname: path.slice(0, q), query: path.slice(q + 1) };
}
