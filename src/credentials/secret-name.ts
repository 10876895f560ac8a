/**
 * Store names: what operators type in `sluice secret set NAME` and in a rule's
 * `secret:`. Restricted so a name is safe in a file, a placeholder and a message.
 *
 * @example
 * assertSecretName('github.token'); // ok
 * assertSecretName('a b');          // throws CredentialError
 */
import { CredentialError } from './errors.js';

export const SECRET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Whether `name` is a valid store name. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Throw a CredentialError unless `name` is a valid store name. The name is echoed: names are not secret. */
export function assertSecretName(name: string): void {
  if (!isSecretName(name)) {
    const shown = name.length > 80 ? `${JSON.stringify(name.slice(0, 80))}...` : JSON.stringify(name);
    throw new CredentialError('credential_invalid', `invalid secret name ${shown}: expected 1 to 64 letters, digits, '_', '.' or '-'`);
  }
}
