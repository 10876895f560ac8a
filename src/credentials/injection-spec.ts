/**
 * Injection specs as data. Two spellings are accepted and mean the same:
 * the config's (`{ secret, header, value }`, `{ secret, basic: { username } }`,
 * `{ secret, query }`, `{ secret, placeholder: { in } }`) and the policy's
 * compiled one, with a `type` (`{ type: 'query', secret, param }`, and a
 * precomputed `placeholder` token, which then wins over placeholderFor()).
 *
 * @example
 * const n = normalizeInjection({ secret: 'gh', header: 'Authorization', value: 'Bearer {{secret}}' });
 * // { kind: 'header', secret: 'gh', header: 'authorization', template: 'Bearer {{secret}}' }
 * checkInjection(n);    // undefined (sound)
 * describeInjection(n); // "header authorization: Bearer {{secret}} with secret 'gh'"
 */
import { GATE_HEADERS } from './header-value.js';
import { PLACEHOLDER_PLACES } from './inject-placeholder.js';
import type { PlaceholderPlace } from './inject-placeholder.js';
import { placeholderFor } from './placeholder.js';
import { parseSecretRef } from './refs.js';

export const SECRET_TEMPLATE = '{{secret}}';

export type HeaderInjection = { secret: string; header: string; value: string };
export type BasicInjection = { secret: string; basic: { username: string } };
export type QueryInjection = { secret: string; query: string };
export type PlaceholderInjection = { secret: string; placeholder: { in: readonly PlaceholderPlace[] } };
/** The config file's spelling. */
export type InjectionSpec = HeaderInjection | BasicInjection | QueryInjection | PlaceholderInjection;

/** The policy's compiled spelling (src/policy CredentialSpec), matched structurally. */
export type CompiledInjection =
  | { type: 'header'; secret: string; header: string; value: string }
  | { type: 'basic'; secret: string; username: string }
  | { type: 'query'; secret: string; param: string }
  | { type: 'placeholder'; secret: string; placeholder: string; in: readonly PlaceholderPlace[] };

/** One internal shape for both. */
export type NormalizedInjection =
  | { kind: 'header'; secret: string; header: string; template: string }
  | { kind: 'basic'; secret: string; username: string }
  | { kind: 'query'; secret: string; param: string }
  | { kind: 'placeholder'; secret: string; placeholder: string; in: readonly PlaceholderPlace[] };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Either spelling to the internal shape (header names lower-cased). */
export function normalizeInjection(spec: InjectionSpec | CompiledInjection | NormalizedInjection): NormalizedInjection {
  if ('kind' in spec) return spec;
  if ('type' in spec) {
    switch (spec.type) {
      case 'header':
        return { kind: 'header', secret: spec.secret, header: spec.header.toLowerCase(), template: spec.value };
      case 'basic':
        return { kind: 'basic', secret: spec.secret, username: spec.username };
      case 'query':
        return { kind: 'query', secret: spec.secret, param: spec.param };
      case 'placeholder':
        return { kind: 'placeholder', secret: spec.secret, placeholder: spec.placeholder, in: spec.in };
    }
  }
  if ('header' in spec) return { kind: 'header', secret: spec.secret, header: spec.header.toLowerCase(), template: spec.value };
  if ('basic' in spec) return { kind: 'basic', secret: spec.secret, username: spec.basic.username };
  if ('query' in spec) return { kind: 'query', secret: spec.secret, param: spec.query };
  return { kind: 'placeholder', secret: spec.secret, placeholder: safePlaceholderFor(spec.secret), in: spec.placeholder.in };
}

function safePlaceholderFor(ref: string): string {
  try {
    return placeholderFor(ref);
  } catch {
    return ''; // checkInjection reports the bad reference
  }
}

/** A problem with a spec, in words, or undefined if it is sound. */
export function checkInjection(spec: InjectionSpec | CompiledInjection | NormalizedInjection): string | undefined {
  const n = normalizeInjection(spec);
  try {
    parseSecretRef(n.secret);
  } catch (err) {
    return (err as Error).message;
  }
  switch (n.kind) {
    case 'header':
      if (!TOKEN.test(n.header)) return `header: '${n.header}' is not a valid header name`;
      if (GATE_HEADERS.has(n.header)) return `header: '${n.header}' is set by the gate and cannot carry a credential`;
      if (!n.template.includes(SECRET_TEMPLATE)) return `value: expected a template containing ${SECRET_TEMPLATE}, like 'Bearer ${SECRET_TEMPLATE}'`;
      if (/[\0\r\n]/.test(n.template)) return 'value: must not contain line breaks';
      return undefined;
    case 'basic':
      return n.username.includes(':') ? "basic.username: must not contain ':'" : undefined;
    case 'query':
      return n.param === '' ? 'query: expected a parameter name' : undefined;
    case 'placeholder': {
      if (!/^SLUICE_SECRET_[A-Za-z0-9_.-]+$/.test(n.placeholder)) return `placeholder: '${n.placeholder}' is not a SLUICE_SECRET_ token`;
      if (n.in.length === 0) return 'placeholder.in: expected at least one of headers, query, path, body';
      const bad = n.in.find((p) => !PLACEHOLDER_PLACES.includes(p));
      return bad === undefined ? undefined : `placeholder.in: '${String(bad)}' is not one of headers, query, path, body`;
    }
  }
}

/** One line saying what the injection does, for `explain` and logs. Names the secret's reference only. */
export function describeInjection(spec: InjectionSpec | CompiledInjection | NormalizedInjection): string {
  const n = normalizeInjection(spec);
  switch (n.kind) {
    case 'header':
      return `header ${n.header}: ${n.template} with secret '${n.secret}'`;
    case 'basic':
      return `basic auth as '${n.username}' with secret '${n.secret}'`;
    case 'query':
      return `query parameter ${n.param} with secret '${n.secret}'`;
    case 'placeholder':
      return `placeholder ${n.placeholder} swapped in ${n.in.join(', ')} with secret '${n.secret}'`;
  }
}
