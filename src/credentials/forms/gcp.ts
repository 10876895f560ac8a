/**
 * The GCP service-account form: `secret` is the service account's JSON key file
 * (`sluice secret set gcp_sa < key.json`); the gate signs an assertion with its
 * `private_key` (`iss` = `client_email`, `aud` = `token_uri`, the scopes in `scope`),
 * trades it at the token endpoint for an access token (the RFC 7523 grant Google's
 * OAuth server speaks) and sends that as `Authorization: Bearer`. One token per
 * (credential, scopes), cached like the oauth2 form's. `token_url` overrides the key
 * file's `token_uri` (a private endpoint: `route:NAME/path`).
 *
 * @example
 * // config:   credential: { secret: gcp_sa, gcp: { scopes: [https://www.googleapis.com/auth/devstorage.read_only] } }
 * // compiled: { type: 'gcp', secret: 'gcp_sa', gcp: { scopes: ['https://www.googleapis.com/auth/devstorage.read_only'] } }
 */
import * as z from 'zod';
import { listOf } from '../../config/rule-fields.js';
import { strictSection } from '../../config/fields.js';
import { JWT_BEARER_GRANT, signAssertion } from '../broker/assertion.js';
import { failure, requestToken } from '../broker/token-request.js';
import { brokerOf, endpointField, injectBearer, secretText, tokenKey } from './broker-fields.js';
import { specBase } from './fields.js';
import type { CredentialBase, CredentialForm } from './form.js';

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

const section = strictSection({
  scopes: listOf(z.string().regex(/^[\x21-\x7e]{1,512}$/), '[https://www.googleapis.com/auth/cloud-platform]'),
  token_url: endpointField.optional(),
});

export interface GcpCredential extends CredentialBase {
  type: 'gcp';
  gcp: z.output<typeof section>;
}

/** The fields of a service-account key file the gate uses; anything else in it is ignored. */
const keyFile = z.object({ client_email: z.string().min(1), private_key: z.string().min(1), token_uri: z.string().optional() });

export const gcpForm = {
  type: 'gcp',
  configFields: { gcp: section.optional() },
  configIssues: () => [],
  fromConfig: (c) => ({ type: 'gcp', secret: c.secret, gcp: c.gcp as z.output<typeof section> }),
  schema: z.object({ type: z.literal('gcp'), ...specBase, gcp: section }),
  explain: (c) =>
    `GCP service-account token (key file: secret ${c.secret}) for scopes ${c.gcp.scopes.join(', ')} from ${c.gcp.token_url ?? "the key file's token_uri"}, as Authorization: Bearer`,
  inject(view, spec, deps) {
    const call = brokerOf(deps, spec.secret);
    const broker = call.broker;
    const key = tokenKey('gcp', spec.secret, spec.gcp.scopes, spec.gcp.token_url);
    return injectBearer(view, deps, call, () =>
      broker.token(key, async () => {
        let sa: z.output<typeof keyFile>;
        try {
          sa = keyFile.parse(JSON.parse(secretText(deps, spec.secret)));
        } catch {
          // Never the parser's message: it could quote the key.
          throw failure(spec.secret, 'the secret is not a service-account JSON key file (client_email, private_key)');
        }
        const aud = sa.token_uri ?? GOOGLE_TOKEN_URL;
        const claims = { iss: sa.client_email, aud, scope: spec.gcp.scopes.join(' ') };
        const assertion = await signAssertion(sa.private_key, spec.secret, claims, broker.now());
        const form = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion });
        const t = await requestToken(broker.transport, spec.secret, spec.gcp.token_url ?? aud, form, {}, broker.now());
        return { ...t, credential: spec.secret, owner: null };
      }),
    );
  },
} satisfies CredentialForm<GcpCredential>;
