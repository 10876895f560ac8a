/**
 * What a matching allow rule asks the gate to do besides forwarding: inject a
 * credential, rewrite headers, take a named route, or answer itself. Compiled
 * from the config's shape into typed data carried by the Decision; each form has
 * an `explain()` used by `sluice explain` and deny/audit texts. No secret value
 * ever appears here, only its name.
 */
import { credentialFromConfig } from '../credentials/forms/index.js';
import type { CredentialInput, CredentialSpec, HeaderRewrite, RespondSpec, RuleSpec } from './types.js';

// The credential forms live in credentials/forms/ (one file each, found by type); the
// policy compiles and explains credentials with them.
export { CREDENTIAL_FORMS, SECRET_TEMPLATE, explainCredential } from '../credentials/forms/index.js';
// One definition of the placeholder name, shared with the injector that swaps it.
export { PLACEHOLDER_PREFIX, placeholderFor } from '../credentials/placeholder.js';

/**
 * Turn the config's credential map into a typed spec, with the same checks the config
 * schema runs (which reports them all, with lines, before this runs). Throws a TypeError.
 *
 * @example
 * compileCredential({ secret: 'gh', header: 'authorization', value: 'Bearer {{secret}}' });
 * // { type: 'header', secret: 'gh', header: 'authorization', value: 'Bearer {{secret}}' }
 */
export function compileCredential(c: CredentialInput): CredentialSpec {
  return credentialFromConfig(c);
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
