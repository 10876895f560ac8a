/**
 * The basic form: `{ secret, basic: { username } }` sets
 * `authorization: Basic base64(username:secret)`, replacing any the agent sent.
 *
 * @example
 * // config:   credential: { secret: jira_token, basic: { username: bot@acme.test } }
 * // compiled: { type: 'basic', secret: 'jira_token', username: 'bot@acme.test' }
 */
import * as z from 'zod';
import { strictSection } from '../../config/fields.js';
import { deleteHeader } from '../header-value.js';
import { specBase } from './fields.js';
import type { CredentialBase, CredentialForm } from './form.js';
import { injectOnce } from './static-inject.js';

export interface BasicCredential extends CredentialBase {
  type: 'basic';
  username: string;
}

/** RFC 7617: the first ':' ends the user-id, so a username cannot hold one. */
const usernameField = z.string().refine((v) => !v.includes(':'), { error: "must not contain ':'" });

/** `username:secret` as bytes; the caller wipes it. */
function joined(username: string, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${username}:`, 'utf8'), value]);
}

export const basicForm = {
  type: 'basic',
  configFields: { basic: strictSection({ username: usernameField }).optional() },
  fromConfig: (c) => ({ type: 'basic', secret: c.secret, username: c.basic?.username ?? '' }),
  schema: z.object({ type: z.literal('basic'), ...specBase, username: usernameField }),
  explain: (c) => `secret ${c.secret} as the HTTP Basic password for user '${c.username}'`,
  inject: (view, spec, deps) =>
    injectOnce(view, spec, deps, (value) => {
      const pair = joined(spec.username, value);
      deleteHeader(view.headers, 'authorization');
      view.headers.authorization = `Basic ${pair.toString('base64')}`;
      pair.fill(0);
      return ['authorization'];
    }),
  // The exact header value, whatever base64 alignment the secret's own needles miss.
  echoes(spec, value) {
    const pair = joined(spec.username, value);
    const text = pair.toString('base64');
    pair.fill(0);
    return [text];
  },
} satisfies CredentialForm<BasicCredential>;
