/**
 * What a matching allow rule asks the gate to do besides forwarding: inject a
 * credential, rewrite headers, take a named route, or answer itself. Compiled
 * from the config's shape into typed data carried by the Decision; each form has
 * an `explain()` used by `sluice explain` and deny/audit texts. No secret value
 * ever appears here, only its name.
 */
import { placeholderFor } from '../credentials/placeholder.js';
import type { CredentialInput, CredentialSpec, HeaderRewrite, RespondSpec, RuleSpec } from './types.js';

export const SECRET_TEMPLATE = '{{secret}}';
// One definition of the placeholder name, shared with the injector that swaps it.
export { PLACEHOLDER_PREFIX, placeholderFor } from '../credentials/placeholder.js';

/** The injection forms a credential may name; exactly one per credential. */
export const CREDENTIAL_FORMS = ['header', 'basic', 'query', 'placeholder'] as const;

/**
 * Turn the config's credential map into a typed spec. Throws a TypeError when not
 * exactly one form is given, or a header value lacks `{{secret}}` (the config
 * schema reports both with lines before this runs).
 *
 * @example
 * compileCredential({ secret: 'gh', header: 'authorization', value: 'Bearer {{secret}}' });
 * // { type: 'header', secret: 'gh', header: 'authorization', value: 'Bearer {{secret}}' }
 */
export function compileCredential(c: CredentialInput): CredentialSpec {
  const spec = compileForm(c);
  return c.allow_plaintext === true ? { ...spec, allowPlaintext: true } : spec;
}

function compileForm(c: CredentialInput): CredentialSpec {
  const given = CREDENTIAL_FORMS.filter((f) => c[f] !== undefined);
  if (given.length !== 1) {
    throw new TypeError(`a credential needs exactly one of ${CREDENTIAL_FORMS.join(', ')}; got ${given.length === 0 ? 'none' : given.join(' and ')}`);
  }
  if (c.header !== undefined) {
    if (c.value === undefined || !c.value.includes(SECRET_TEMPLATE)) {
      throw new TypeError(`a header credential needs a value containing ${SECRET_TEMPLATE}, like "Bearer ${SECRET_TEMPLATE}"`);
    }
    return { type: 'header', secret: c.secret, header: c.header.toLowerCase(), value: c.value };
  }
  if (c.value !== undefined) throw new TypeError(`'value' goes with 'header' only`);
  if (c.basic !== undefined) return { type: 'basic', secret: c.secret, username: c.basic.username };
  if (c.query !== undefined) return { type: 'query', secret: c.secret, param: c.query };
  const where = c.placeholder?.in ?? [];
  return { type: 'placeholder', secret: c.secret, placeholder: placeholderFor(c.secret), in: [...where] };
}

/**
 * One line saying what the credential does, naming the secret and never its value.
 *
 * @example
 * explainCredential({ type: 'query', secret: 'maps_key', param: 'key' }); // "secret maps_key as query parameter 'key'"
 */
export function explainCredential(c: CredentialSpec): string {
  return c.allowPlaintext === true ? `${explainForm(c)}; also over plain HTTP (allow_plaintext)` : explainForm(c);
}

function explainForm(c: CredentialSpec): string {
  switch (c.type) {
    case 'header':
      return `secret ${c.secret} in header ${c.header}: ${c.value}`;
    case 'basic':
      return `secret ${c.secret} as the HTTP Basic password for user '${c.username}'`;
    case 'query':
      return `secret ${c.secret} as query parameter '${c.param}'`;
    case 'placeholder':
      return `secret ${c.secret} swapped for ${c.placeholder} in ${c.in.join(', ')}`;
  }
}

/**
 * @example
 * compileRespond({ status: 410, body: 'gone' }); // { status: 410, headers: {}, body: 'gone' }
 */
export function compileRespond(r: NonNullable<RuleSpec['respond']>): RespondSpec {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
  return { status: r.status, headers, body: r.body ?? '' };
}

/**
 * @example
 * explainRespond({ status: 410, headers: {}, body: 'gone' }); // 'answered by the gate: 410 (4 bytes), no upstream'
 */
export function explainRespond(r: RespondSpec): string {
  return `answered by the gate: ${r.status} (${Buffer.byteLength(r.body)} bytes), no upstream`;
}

/**
 * @example
 * compileHeaders({ set: { 'User-Agent': 'sluice' }, remove: ['Cookie'] }); // { set: { 'user-agent': 'sluice' }, remove: ['cookie'] }
 */
export function compileHeaders(h: NonNullable<RuleSpec['headers']>): HeaderRewrite {
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(h.set ?? {})) set[k.toLowerCase()] = v;
  return { set, remove: (h.remove ?? []).map((n) => n.toLowerCase()) };
}

/**
 * @example
 * explainHeaders({ set: { 'user-agent': 'sluice' }, remove: ['cookie'] }); // 'set user-agent; remove cookie'
 */
export function explainHeaders(h: HeaderRewrite): string {
  const parts: string[] = [];
  const set = Object.keys(h.set);
  if (set.length > 0) parts.push(`set ${set.join(', ')}`);
  if (h.remove.length > 0) parts.push(`remove ${h.remove.join(', ')}`);
  return parts.join('; ') || 'no change';
}
