/**
 * The placeholder form: `{ secret, placeholder: { in: [...] } }`. The agent writes
 * `SLUICE_SECRET_<name>` and the gate swaps in the value only in the places listed;
 * a placeholder anywhere else is refused (inject-placeholder.ts does the swapping).
 *
 * @example
 * // config:   credential: { secret: "env:GH", placeholder: { in: [headers, body] } }
 * // compiled: { type: 'placeholder', secret: 'env:GH', placeholder: 'SLUICE_SECRET_env_GH', in: ['headers', 'body'] }
 */
import * as z from 'zod';
import { strictSection } from '../../config/fields.js';
import { listOf } from '../../config/rule-fields.js';
import { injectPlaceholder, PLACEHOLDER_PLACES } from '../inject-placeholder.js';
import type { PlaceholderPlace } from '../inject-placeholder.js';
import { placeholderFor } from '../placeholder.js';
import { specBase } from './fields.js';
import type { CredentialBase, CredentialForm } from './form.js';

export interface PlaceholderCredential extends CredentialBase {
  type: 'placeholder';
  /** The token swapped, placeholderFor(secret) when compiled from config. */
  placeholder: string;
  in: readonly PlaceholderPlace[];
}

const placesField = listOf(z.enum(PLACEHOLDER_PLACES), '[headers, body]');
const tokenField = z.string().regex(/^SLUICE_SECRET_[A-Za-z0-9_.-]+$/, { error: (i) => `'${String(i.input)}' is not a SLUICE_SECRET_ token` });

export const placeholderForm = {
  type: 'placeholder',
  configFields: { placeholder: strictSection({ in: placesField }).optional() },
  fromConfig: (c) => ({ type: 'placeholder', secret: c.secret, placeholder: placeholderFor(c.secret), in: [...(c.placeholder?.in ?? [])] }),
  schema: z.object({ type: z.literal('placeholder'), ...specBase, placeholder: tokenField, in: placesField }),
  explain: (c) => `secret ${c.secret} swapped for ${c.placeholder} in ${c.in.join(', ')}`,
  inject(view, spec, deps) {
    const value = deps.resolve(spec.secret);
    try {
      const changed = injectPlaceholder(view, spec.placeholder, spec.in, value, spec.secret, deps);
      return { changed, bodyLengthChanged: changed.includes('body') };
    } finally {
      value.fill(0);
    }
  },
} satisfies CredentialForm<PlaceholderCredential>;
