/**
 * What the brokered forms (oauth2, token_exchange, jwt) share: the endpoint field,
 * OAuth client authentication, and the injection of a token as `Authorization:
 * Bearer`, which runs the same placeholder checks the static forms run
 * (static-inject.ts) and has the token scrubbed from the response.
 *
 * @example
 * // token_url: https://auth.example.com/oauth2/token   (resolved and SSRF-vetted like any upstream)
 * // token_url: route:idp/oauth2/token                    (through the named route 'idp', for a private server)
 */
import * as z from 'zod';
import { describeValue } from '../../config/describe-value.js';
import { parsedBy } from '../../config/fields.js';
import type { BrokerCall, BrokerToken } from '../broker/broker.js';
import { CredentialError } from '../errors.js';
import { deleteHeader } from '../header-value.js';
import { assertNoViolations, placeholderViolations } from '../inject-placeholder.js';
import type { RequestView } from '../inject-placeholder.js';
import { swapBodyPlaceholders } from '../placeholder-stream.js';
import type { InjectDeps, InjectionResult } from './form.js';

/**
 * A token endpoint: `https://...` (a public server: the gate resolves and vets it like
 * any upstream) or `route:NAME/path` (a named route: the operator's explicit opt-in to
 * a private or loopback server, with the route's own TLS settings). Plain `http://`
 * only through a route, so a client secret never crosses the internet in clear.
 */
export const endpointField = parsedBy((v) => {
  const hint = "expected 'https://host/path' or 'route:NAME/path' (a named route, for a private server)";
  if (typeof v !== 'string') throw new TypeError(`${hint}; got ${describeValue(v)}`);
  if (v.startsWith('route:')) {
    if (!/^route:[A-Za-z0-9._-]+(\/[\x21-\x7e]*)?$/.test(v)) throw new TypeError(`${hint}; got ${describeValue(v)}`);
    return v;
  }
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new TypeError(`${hint}; got ${describeValue(v)}`);
  }
  if (url.protocol !== 'https:') throw new TypeError(`a token endpoint is https, or a named route ('route:NAME/path'); got ${describeValue(v)}`);
  if (url.username !== '' || url.password !== '') throw new TypeError('a token endpoint URL must not carry credentials; use secret: and client_id:');
  return url.href;
});

/** OAuth client authentication (RFC 6749 §2.3.1): HTTP Basic (the default) or in the form body. */
export const clientAuthField = z.enum(['basic', 'post']);

/** Space-separated scope tokens (RFC 6749 §3.3). */
export const scopeField = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, { error: 'expected scope tokens separated by spaces' });

/** A client id or an audience: one printable line. */
export const nameField = z.string().regex(/^[\x20-\x7e]{1,512}$/, { error: 'expected printable text (at most 512 characters)' });

/**
 * Authenticate the client: into `form` (post) or as the returned header (basic, with
 * both parts form-encoded first as §2.3.1 says).
 */
export function clientAuth(method: 'basic' | 'post' | undefined, clientId: string, secret: string | null, form: URLSearchParams): Record<string, string> {
  if (secret === null) {
    form.set('client_id', clientId);
    return {};
  }
  if (method === 'post') {
    form.set('client_id', clientId);
    form.set('client_secret', secret);
    return {};
  }
  const enc = (s: string): string => new URLSearchParams({ s }).toString().slice(2);
  return { authorization: `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}` };
}

/** The secret behind `ref` as text, its buffer wiped. */
export function secretText(deps: InjectDeps, ref: string): string {
  const value = deps.resolve(ref);
  try {
    return value.toString('utf8');
  } finally {
    value.fill(0);
  }
}

/**
 * The injection's broker, identity, intent, rule and scrub hook, all present: a gate
 * without a broker cannot inject a brokered credential, and a caller that gives no
 * `reflect` could not scrub the token, so neither sends one. The deps object itself
 * is the call (nothing is allocated per request).
 */
export function brokerOf(deps: InjectDeps, credential: string): BrokerCall {
  if (!deps.broker) {
    throw new CredentialError('credential_unavailable', `credential '${credential}' is brokered, and this gate runs no credential broker`, { ref: credential });
  }
  if (deps.reflect === undefined || deps.who === undefined || deps.rule === undefined) {
    throw new CredentialError('credential_unavailable', `credential '${credential}' is brokered, and this injection cannot scrub its token or name who asks`, {
      ref: credential,
    });
  }
  return deps as InjectDeps & BrokerCall;
}

/**
 * Check the request for placeholders it may not carry, get the token, and send it as
 * `Authorization: Bearer` (replacing the agent's), scrubbed from the response.
 */
export async function injectBearer(view: RequestView, deps: InjectDeps, call: BrokerCall, token: () => Promise<BrokerToken>): Promise<InjectionResult> {
  assertNoViolations(placeholderViolations(view));
  const t = await token();
  call.reflect(t.needles);
  deleteHeader(view.headers, 'authorization');
  view.headers.authorization = `Bearer ${t.accessToken}`;
  if (view.body) view.body = swapBodyPlaceholders(view.body, { maxBodyBytes: deps.maxBodyBytes });
  return { changed: ['authorization'], bodyLengthChanged: false };
}

/** A cache key from the parts that make a token different. */
export function tokenKey(...parts: unknown[]): string {
  return JSON.stringify(parts);
}
