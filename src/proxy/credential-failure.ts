import { CredentialError } from '../credentials/errors.js';
import { Rejection } from './errors-map.js';

/** Map a credential failure to the deny contract, without its value (there is none in the message). */
export function credentialRejection(err: unknown, rule: string | null): unknown {
  const c = findCredentialError(err);
  if (!c) return err;
  if (c.reason === 'placeholder_not_allowed') return new Rejection('placeholder_denied', c.message, rule);
  if (c.reason === 'token_endpoint_failed') return new Rejection('token_endpoint_failed', c.message, rule);
  if (c.reason === 'request_not_signable') return new Rejection('request_not_signable', c.message, rule);
  return new Rejection('credential_unavailable', c.message, rule);
}

export function findCredentialError(err: unknown): CredentialError | null {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (e instanceof CredentialError) return e;
  }
  return null;
}
