/**
 * The header form: `{ secret, header, value }` sets one header from a template,
 * replacing whatever the agent sent under that name (in any case).
 *
 * @example
 * // config:   credential: { secret: gh, header: Authorization, value: "Bearer {{secret}}" }
 * // compiled: { type: 'header', secret: 'gh', header: 'authorization', value: 'Bearer {{secret}}' }
 */
import * as z from 'zod';
import { describeValue } from '../../config/describe-value.js';
import { headerNameField as ruleHeaderName } from '../../config/rule-fields.js';
import { deleteHeader, GATE_HEADERS, headerSafe } from '../header-value.js';
import { SECRET_TEMPLATE, specBase } from './fields.js';
import type { CredentialBase, CredentialForm, CredentialIssue } from './form.js';
import { injectOnce } from './static-inject.js';

export interface HeaderCredential extends CredentialBase {
  type: 'header';
  /** Lower-case. */
  header: string;
  /** The template: `{{secret}}` marks where the value goes. */
  value: string;
}

/** A header name (the rules' own check, lower-cased), and not one the gate owns. */
const headerNameField = ruleHeaderName.refine((name) => !GATE_HEADERS.has(name), {
  error: (i) => `'${String(i.input)}' is set by the gate and cannot carry a credential`,
});

/** The template: where the secret goes, on one header line. */
const templateField = z.string().superRefine((v, ctx) => {
  if (!v.includes(SECRET_TEMPLATE)) {
    ctx.addIssue({
      code: 'custom',
      message: `the value must contain ${SECRET_TEMPLATE} where the secret goes, like "Bearer ${SECRET_TEMPLATE}"; got ${describeValue(v)}`,
    });
  }
  if (/[\0\r\n]/.test(v)) ctx.addIssue({ code: 'custom', message: 'must not contain line breaks' });
});

export const headerForm = {
  type: 'header',
  configFields: { header: headerNameField.optional(), value: templateField.optional() },
  configIssues(raw): CredentialIssue[] {
    const issues: CredentialIssue[] = [];
    if (raw.header !== undefined && raw.value === undefined) {
      issues.push({ path: [], message: `a header credential needs a value, like value: "Bearer ${SECRET_TEMPLATE}"` });
    }
    if (raw.value !== undefined && raw.header === undefined) {
      issues.push({ path: ['value'], message: "'value' goes with 'header'; add header: authorization (or the header to set)" });
    }
    return issues;
  },
  fromConfig: (c) => ({ type: 'header', secret: c.secret, header: (c.header ?? '').toLowerCase(), value: c.value ?? '' }),
  schema: z.object({ type: z.literal('header'), ...specBase, header: headerNameField, value: templateField }),
  explain: (c) => `secret ${c.secret} in header ${c.header}: ${c.value}`,
  inject: (view, spec, deps) =>
    injectOnce(view, spec, deps, (value) => {
      // Checked specs may still spell the name in capitals (it is matched in any case).
      const name = spec.header.toLowerCase();
      const filled = spec.value.split(SECRET_TEMPLATE).join(headerSafe(value, spec.secret));
      deleteHeader(view.headers, name);
      view.headers[name] = filled;
      return [name];
    }),
} satisfies CredentialForm<HeaderCredential>;
