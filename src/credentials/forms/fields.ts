/**
 * Fields every credential form shares. Each check is written once and serves the
 * config schema (with the line it came from), the policy compiler and the injector.
 *
 * @example
 * secretField.safeParse('env:1BAD').success; // false: "'env:1BAD': an environment variable name is ..."
 */
import * as z from 'zod';
import { describeValue } from '../../config/describe-value.js';
import { parsedBy } from '../../config/fields.js';
import { isSecretName } from '../secret-name.js';

/** Where a header credential's template puts the secret. */
export const SECRET_TEMPLATE = '{{secret}}';

/** Where a secret comes from: a secret-store name, `env:NAME`, or `file:PATH`. Never the value itself. */
export const secretField = parsedBy((v) => {
  const expected = "expected a secret name like github_token, 'env:NAME' or 'file:PATH'";
  if (typeof v !== 'string') throw new TypeError(`${expected}; got ${describeValue(v)}`);
  if (v.startsWith('env:')) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.slice(4)))
      throw new TypeError(`'${v}': an environment variable name is letters, digits and '_', not starting with a digit`);
    return v;
  }
  if (v.startsWith('file:')) {
    if (v.length === 5) throw new TypeError(`'${v}' names no file; write 'file:./secrets/token'`);
    if (v.includes('\0')) throw new TypeError('a file path cannot contain a NUL byte');
    return v;
  }
  if (!/^[A-Za-z0-9._-]+$/.test(v)) throw new TypeError(`${expected}; got '${v}'`);
  // The store's own rule (secret-name.ts), so a name that loads is one the store can hold.
  if (!isSecretName(v)) throw new TypeError(`${describeValue(v)}: a secret name is at most 64 characters`);
  return v;
});

/** The compiled spec's keys every form has, for its schema. */
export const specBase = {
  secret: secretField,
  allowPlaintext: z.literal(true).optional(),
};
