/**
 * The token exchange form (RFC 8693): the gate mints a subject token (a JWT signed
 * with its broker key, verifiable at /.well-known/jwks.json) stating the identity
 * tuple (tenant, agent, workflow, human) and the intent, and exchanges it at the
 * operator's authorization server for a downscoped token for this workflow, which it
 * sends as `Authorization: Bearer`. The token is cached per (credential, workflow,
 * intent); when the workflow's session, its agent or its token is revoked the broker
 * forgets it and, with `revocation_url`, revokes it at the server (RFC 7009).
 *
 * @example
 * // config:
 * //   credential:
 * //     secret: sluice_client_secret          # the gate's own client secret at the server
 * //     token_exchange: { token_url: "route:idp/token", client_id: sluice, audience: tickets, scope: tickets.read,
 * //                       revocation_url: "route:idp/revoke" }
 */
import * as z from 'zod';
import { durationField, strictSection } from '../../config/fields.js';
import { identityClaims } from '../broker/broker.js';
import type { BrokerCall, BrokerToken } from '../broker/broker.js';
import { requestToken, revokeToken } from '../broker/token-request.js';
import { CredentialError } from '../errors.js';
import { brokerOf, clientAuth, clientAuthField, endpointField, injectBearer, nameField, scopeField, secretText, tokenKey } from './broker-fields.js';
import { specBase } from './fields.js';
import type { CredentialBase, CredentialForm, InjectDeps } from './form.js';

const section = strictSection({
  token_url: endpointField,
  client_id: nameField,
  client_auth: clientAuthField.optional(),
  audience: nameField.optional(),
  scope: scopeField.optional(),
  /** RFC 7009 endpoint: exchanged tokens are revoked there when their workflow is. */
  revocation_url: endpointField.optional(),
  /** The subject token's `aud` (default: token_url) and lifetime (default 5m). */
  subject_audience: nameField.optional(),
  subject_ttl: durationField({ positive: true }).optional(),
});

export type TokenExchangeSection = z.output<typeof section>;

export interface TokenExchangeCredential extends CredentialBase {
  type: 'token_exchange';
  token_exchange: TokenExchangeSection;
}

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ACCESS_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TTL_MS = 300_000;

export const tokenExchangeForm = {
  type: 'token_exchange',
  configFields: { token_exchange: section.optional() },
  configIssues: () => [],
  fromConfig: (c) => ({ type: 'token_exchange', secret: c.secret ?? '', token_exchange: c.token_exchange as TokenExchangeSection }),
  schema: z.object({ type: z.literal('token_exchange'), ...specBase, token_exchange: section }),
  explain: (c) => {
    const t = c.token_exchange;
    const scope = t.scope === undefined ? '' : ` scope '${t.scope}'`;
    const aud = t.audience === undefined ? '' : ` audience '${t.audience}'`;
    const revoke = t.revocation_url === undefined ? '' : `; revoked at ${t.revocation_url} when the workflow is`;
    return `RFC 8693 exchange of a Sluice-signed identity JWT at ${t.token_url} for client '${t.client_id}'${scope}${aud}, per workflow (client secret: secret ${c.secret}), as Authorization: Bearer${revoke}`;
  },
  inject(view, spec, deps) {
    const call = brokerOf(deps, spec.secret);
    const who = call.who;
    if (who === null)
      throw new CredentialError('credential_unavailable', `credential '${spec.secret}': a token exchange needs an identified agent`, { ref: spec.secret });
    const t = spec.token_exchange;
    const key = tokenKey('token_exchange', spec.secret, t.token_url, t.client_id, t.audience, t.scope, who.tenant, who.agent, who.session, call.intent);
    return injectBearer(view, deps, call, () => call.broker.token(key, () => exchange(spec, deps, call)));
  },
} satisfies CredentialForm<TokenExchangeCredential>;

async function exchange(spec: TokenExchangeCredential, deps: InjectDeps, call: BrokerCall): Promise<BrokerToken> {
  const t = spec.token_exchange;
  const broker = call.broker;
  const subject = await broker.mint({
    audience: t.subject_audience ?? t.token_url,
    ttlMs: t.subject_ttl ?? SUBJECT_TTL_MS,
    subject: call.who?.agent ?? '',
    claims: identityClaims(call.who, call.intent, call.rule),
  });
  const form = new URLSearchParams({ grant_type: GRANT, subject_token: subject.jwt, subject_token_type: JWT_TYPE, requested_token_type: ACCESS_TYPE });
  if (t.audience !== undefined) form.set('audience', t.audience);
  if (t.scope !== undefined) form.set('scope', t.scope);
  const headers = clientAuth(t.client_auth, t.client_id, secretText(deps, spec.secret), form);
  const got = await requestToken(broker.transport, spec.secret, t.token_url, form, headers, broker.now());
  const revocationUrl = t.revocation_url;
  const revoke =
    revocationUrl === undefined
      ? undefined
      : (): Promise<boolean> => {
          const r = new URLSearchParams({ token: got.accessToken, token_type_hint: 'access_token' });
          return revokeToken(broker.transport, spec.secret, revocationUrl, r, clientAuth(t.client_auth, t.client_id, secretText(deps, spec.secret), r));
        };
  return { ...got, credential: spec.secret, owner: call.who, revoke };
}
