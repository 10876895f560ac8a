/**
 * The OAuth 2.0 client form: the gate fetches an access token from the operator's
 * authorization server and sends it as `Authorization: Bearer`; the agent never holds
 * the client secret, the refresh token, the signing key or the access token.
 *
 * Grants: `client_credentials` (RFC 6749 §4.4, `secret` is the client secret),
 * `refresh_token` (§6, `secret` is the refresh token; a rotated one the server hands
 * back is used next, from memory) and `jwt_bearer` (RFC 7523 §2.1, `secret` is a PEM
 * private key in the store that signs the assertion; Google service accounts use this
 * grant too). One token per (credential, scope, audience), cached until `broker.token_skew`
 * before it expires, fetched once for concurrent requests (broker/token-cache.ts).
 *
 * @example
 * // config:
 * //   credential:
 * //     secret: crm_client_secret
 * //     oauth2: { grant: client_credentials, token_url: "route:idp/oauth/token", client_id: sluice, scope: tickets.write }
 * // compiled: { type: 'oauth2', secret: 'crm_client_secret', oauth2: { grant: 'client_credentials', token_url: ..., ... } }
 */
import * as z from 'zod';
import { strictSection } from '../../config/fields.js';
import type { BrokerCall, BrokerToken } from '../broker/broker.js';
import { JWT_BEARER_GRANT, signAssertion } from '../broker/assertion.js';
import { requestToken } from '../broker/token-request.js';
import { brokerOf, clientAuth, clientAuthField, endpointField, injectBearer, nameField, scopeField, secretText, tokenKey } from './broker-fields.js';
import { secretField, specBase } from './fields.js';
import type { CredentialBase, CredentialForm, CredentialIssue, InjectDeps } from './form.js';

export const OAUTH2_GRANTS = ['client_credentials', 'refresh_token', 'jwt_bearer'] as const;

const section = strictSection({
  grant: z.enum(OAUTH2_GRANTS),
  token_url: endpointField,
  client_id: nameField.optional(),
  /** How the client authenticates: HTTP Basic (default) or client_id/client_secret in the body. */
  client_auth: clientAuthField.optional(),
  /** refresh_token grant: the client secret's reference (the `secret` is the refresh token). */
  client_secret: secretField.optional(),
  scope: scopeField.optional(),
  audience: nameField.optional(),
  /** jwt_bearer: the assertion's `sub` (default: client_id) and `aud` (default: token_url). */
  subject: nameField.optional(),
  assertion_audience: nameField.optional(),
});

export type OAuth2Section = z.output<typeof section>;

export interface OAuth2Credential extends CredentialBase {
  type: 'oauth2';
  oauth2: OAuth2Section;
}

export const oauth2Form = {
  type: 'oauth2',
  configFields: { oauth2: section.optional() },
  configIssues(raw): CredentialIssue[] {
    const o = raw.oauth2 as Partial<OAuth2Section> | undefined;
    if (o === undefined || typeof o !== 'object' || o === null) return [];
    const issues: CredentialIssue[] = [];
    if (o.grant !== 'jwt_bearer' && o.client_id === undefined) issues.push({ path: ['oauth2'], message: `the ${String(o.grant)} grant needs a client_id` });
    if (o.client_secret !== undefined && o.grant !== 'refresh_token')
      issues.push({
        path: ['oauth2', 'client_secret'],
        message: "'client_secret' goes with the refresh_token grant; for client_credentials the client secret is 'secret'",
      });
    if (o.grant === 'jwt_bearer' && o.client_id === undefined && o.subject === undefined)
      issues.push({ path: ['oauth2'], message: 'the jwt_bearer grant needs a client_id (the assertion issuer) or a subject' });
    return issues;
  },
  fromConfig: (c) => ({ type: 'oauth2', secret: c.secret ?? '', oauth2: c.oauth2 as OAuth2Section }),
  schema: z.object({ type: z.literal('oauth2'), ...specBase, oauth2: section }),
  explain: (c) => {
    const o = c.oauth2;
    const what = o.grant === 'client_credentials' ? 'client secret' : o.grant === 'refresh_token' ? 'refresh token' : 'assertion signing key';
    const scope = o.scope === undefined ? '' : ` scope '${o.scope}'`;
    const aud = o.audience === undefined ? '' : ` audience '${o.audience}'`;
    return `OAuth 2.0 ${o.grant} token from ${o.token_url}${o.client_id === undefined ? '' : ` for client '${o.client_id}'`}${scope}${aud} (${what}: secret ${c.secret}), as Authorization: Bearer`;
  },
  inject(view, spec, deps) {
    const call = brokerOf(deps, spec.secret);
    const o = spec.oauth2;
    const key = tokenKey('oauth2', spec.secret, o.grant, o.token_url, o.client_id, o.scope, o.audience, o.subject);
    return injectBearer(view, deps, call, () => call.broker.token(key, () => fetchToken(spec, deps, call, key)));
  },
} satisfies CredentialForm<OAuth2Credential>;

async function fetchToken(spec: OAuth2Credential, deps: InjectDeps, call: BrokerCall, key: string): Promise<BrokerToken> {
  const o = spec.oauth2;
  const broker = call.broker;
  const form = new URLSearchParams();
  let headers: Record<string, string> = {};
  if (o.grant === 'client_credentials') {
    form.set('grant_type', 'client_credentials');
    headers = clientAuth(o.client_auth, o.client_id ?? '', secretText(deps, spec.secret), form);
  } else if (o.grant === 'refresh_token') {
    form.set('grant_type', 'refresh_token');
    // A server that rotates refresh tokens handed a new one with the last token: it is the one that works now.
    form.set('refresh_token', broker.previous(key)?.refreshToken ?? secretText(deps, spec.secret));
    headers = clientAuth(o.client_auth, o.client_id ?? '', o.client_secret === undefined ? null : secretText(deps, o.client_secret), form);
  } else {
    const iss = o.client_id ?? o.subject ?? '';
    const claims = { iss, sub: o.subject ?? iss, aud: o.assertion_audience ?? o.token_url };
    form.set('grant_type', JWT_BEARER_GRANT);
    form.set('assertion', await signAssertion(secretText(deps, spec.secret), spec.secret, claims, broker.now()));
  }
  if (o.scope !== undefined) form.set('scope', o.scope);
  if (o.audience !== undefined) form.set('audience', o.audience);
  const t = await requestToken(broker.transport, spec.secret, o.token_url, form, headers, broker.now());
  return { ...t, credential: spec.secret, owner: null };
}
