/**
 * The query form: `{ secret, query: NAME }` sets the parameter NAME, value
 * percent-encoded, replacing every occurrence the agent sent and keeping the other
 * parameters in order (inject-query.ts).
 *
 * @example
 * // config:   credential: { secret: maps_key, query: key }
 * // compiled: { type: 'query', secret: 'maps_key', param: 'key' }
 */
import * as z from 'zod';
import { setQueryParam } from '../inject-query.js';
import { percentEncode } from '../percent-encode.js';
import { specBase } from './fields.js';
import type { CredentialBase, CredentialForm } from './form.js';
import { injectOnce } from './static-inject.js';

export interface QueryCredential extends CredentialBase {
  type: 'query';
  param: string;
}

const paramField = z.string().min(1);

export const queryForm = {
  type: 'query',
  configFields: { query: paramField.optional() },
  fromConfig: (c) => ({ type: 'query', secret: c.secret, param: c.query ?? '' }),
  schema: z.object({ type: z.literal('query'), ...specBase, param: paramField }),
  explain: (c) => `secret ${c.secret} as query parameter '${c.param}'`,
  inject: (view, spec, deps) =>
    injectOnce(view, spec, deps, (value) => {
      view.path = setQueryParam(view.path, spec.param, percentEncode(value));
      return ['query'];
    }),
} satisfies CredentialForm<QueryCredential>;
