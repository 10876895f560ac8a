/**
 * Placeholders, the mechanics of forms/placeholder.ts: the agent writes
 * `SLUICE_SECRET_<name>`, the gate swaps in the value in the places the rule lists,
 * and refuses a request that carries a placeholder anywhere else (another place,
 * another secret's token), because that is an agent trying to spend a credential
 * where the rule does not grant it.
 *
 * In a URL the value is percent-encoded; in headers it goes in as bytes (and must
 * be header-safe); in a body it is fitted to the content type (JSON string escape,
 * form encoding, else raw) and streamed (see placeholder-stream.ts). A swapped body
 * loses its content-length (the length changes; it goes chunked).
 *
 * @example
 * const uses = placeholderViolations(view);            // rule without a credential: any token is a violation
 * if (uses.length) deny('placeholder_not_allowed');
 */
import { CredentialError } from './errors.js';
import { deleteHeader, GATE_HEADERS, headerSafe } from './header-value.js';
import { splitPath } from './inject-query.js';
import { percentEncode } from './percent-encode.js';
import { findPlaceholders, replacePlaceholder } from './placeholder.js';
import { swapBodyPlaceholders } from './placeholder-stream.js';
import type { BodyEncoding } from './placeholder-stream.js';

/** Where a placeholder may be swapped: the one list, for the config schema and the injector. */
export const PLACEHOLDER_PLACES = ['headers', 'query', 'path', 'body'] as const;
export type PlaceholderPlace = (typeof PLACEHOLDER_PLACES)[number];

/** The request as the injector sees and changes it. */
export interface RequestView {
  headers: Record<string, string | string[]>;
  /** Origin form, query included: `/v1/items?page=2`. */
  path: string;
  /** The request body as a byte stream; replaced by a wrapped stream when it must be scanned. */
  body?: AsyncIterable<Buffer>;
}

/** A placeholder token found in the head of a request. Tokens are not secret: they are names. */
export interface PlaceholderUse {
  where: 'headers' | 'query' | 'path';
  token: string;
  /** The header it is in, for where = 'headers'. */
  header?: string;
}

/** Every placeholder token in the request's headers, query and path. */
export function placeholderUses(view: Pick<RequestView, 'headers' | 'path'>): PlaceholderUse[] {
  const uses: PlaceholderUse[] = [];
  for (const [header, v] of Object.entries(view.headers)) {
    for (const value of Array.isArray(v) ? v : [v]) {
      for (const token of findPlaceholders(value)) uses.push({ where: 'headers', token, header: header.toLowerCase() });
    }
  }
  const { pathname, query } = splitPath(view.path);
  for (const token of findPlaceholders(pathname)) uses.push({ where: 'path', token });
  if (query !== undefined) for (const token of findPlaceholders(query)) uses.push({ where: 'query', token });
  return uses;
}

/**
 * The uses the rule does not cover: any token other than `allowed.placeholder`,
 * that token outside `allowed.in`, or in a header the gate owns (Host,
 * Content-Length, Proxy-Authorization, ...). Without `allowed`, every use.
 */
export function placeholderViolations(
  view: Pick<RequestView, 'headers' | 'path'>,
  allowed?: { placeholder: string; in: readonly PlaceholderPlace[] },
): PlaceholderUse[] {
  return placeholderUses(view).filter(
    (u) => !allowed || u.token !== allowed.placeholder || !allowed.in.includes(u.where) || (u.header !== undefined && GATE_HEADERS.has(u.header)),
  );
}

/** Throw CredentialError('placeholder_not_allowed') naming the first violation, if any. */
export function assertNoViolations(violations: PlaceholderUse[]): void {
  const v = violations[0];
  if (!v) return;
  const where = v.where === 'headers' ? `header '${v.header}'` : v.where;
  throw new CredentialError(
    'placeholder_not_allowed',
    `the request carries the placeholder '${v.token.slice(0, 100)}' in its ${where}, which this rule does not inject there`,
    { token: v.token.slice(0, 100), where: v.where },
  );
}

/** How to fit a value into a body of this content type. */
export function bodyEncodingFor(contentType: string | string[] | undefined): BodyEncoding {
  const ct = (Array.isArray(contentType) ? contentType[0] : contentType)?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (ct === 'application/json' || ct.endsWith('+json')) return 'json';
  if (ct === 'application/x-www-form-urlencoded') return 'form';
  return 'raw';
}

/**
 * Swap `placeholder` for `value` in the places listed, after checking the request
 * carries no placeholder elsewhere. Returns what changed (header names, 'query',
 * 'path', 'body').
 */
export function injectPlaceholder(
  view: RequestView,
  placeholder: string,
  places: readonly PlaceholderPlace[],
  value: Buffer,
  ref: string,
  opts: { maxBodyBytes?: number } = {},
): string[] {
  assertNoViolations(placeholderViolations(view, { placeholder, in: places }));
  const changed: string[] = [];
  if (places.includes('headers')) {
    let asHeader: string | undefined;
    for (const [name, v] of Object.entries(view.headers)) {
      const values = Array.isArray(v) ? v : [v];
      if (!values.some((x) => x.includes(placeholder))) continue;
      asHeader ??= headerSafe(value, ref);
      const swapped = values.map((x) => replacePlaceholder(x, placeholder, asHeader!).text);
      view.headers[name] = Array.isArray(v) ? swapped : swapped[0]!;
      changed.push(name.toLowerCase());
    }
  }
  const { pathname, query } = splitPath(view.path);
  let newPath = pathname;
  let newQuery = query;
  if (places.includes('path')) {
    const r = replacePlaceholder(pathname, placeholder, percentEncode(value));
    if (r.count > 0) {
      newPath = r.text;
      changed.push('path');
    }
  }
  if (places.includes('query') && query !== undefined) {
    const r = replacePlaceholder(query, placeholder, percentEncode(value));
    if (r.count > 0) {
      newQuery = r.text;
      changed.push('query');
    }
  }
  view.path = newQuery === undefined ? newPath : `${newPath}?${newQuery}`;
  if (view.body) {
    if (places.includes('body')) {
      const encoding = bodyEncodingFor(view.headers['content-type']);
      view.body = swapBodyPlaceholders(view.body, { placeholder, value, encoding, maxBodyBytes: opts.maxBodyBytes });
      deleteHeader(view.headers, 'content-length');
      changed.push('body');
    } else {
      view.body = swapBodyPlaceholders(view.body, { maxBodyBytes: opts.maxBodyBytes }); // detect only; length unchanged
    }
  }
  return changed;
}
