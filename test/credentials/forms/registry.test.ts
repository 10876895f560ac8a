import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CredentialError } from '../../../src/credentials/errors.js';
import {
  checkCredential,
  CREDENTIAL_FORMS,
  credentialConfigIssues,
  credentialForm,
  credentialFromConfig,
  credentialSpecSchema,
} from '../../../src/credentials/forms/index.js';
import type { CredentialSpec } from '../../../src/credentials/forms/index.js';
import { injectCredential } from '../../../src/credentials/inject.js';
import { credentialProblems, resolverOf } from './helpers.js';

const UNKNOWN = "unknown credential type 'ldap'; expected one of header, basic, query, placeholder, oauth2, token_exchange, jwt, gcp, hmac, aws_sigv4";

void test('the registry finds each form by its type, and refuses any other type by name', () => {
  assert.deepEqual(CREDENTIAL_FORMS, ['header', 'basic', 'query', 'placeholder', 'oauth2', 'token_exchange', 'jwt', 'gcp', 'hmac', 'aws_sigv4']);
  for (const type of CREDENTIAL_FORMS) assert.equal(credentialForm(type).type, type);
  assert.throws(() => credentialForm('ldap'), { name: 'TypeError', message: UNKNOWN });
  // Not a lookup in any object's prototype.
  for (const type of ['toString', '__proto__', 'constructor']) assert.throws(() => credentialForm(type), /unknown credential type/);
});

void test('the spec union is told apart by type; an unknown or missing type is one clear problem', () => {
  assert.equal(checkCredential({ type: 'ldap', secret: 'x' }), UNKNOWN);
  assert.equal(
    checkCredential({ secret: 'x', query: 'k' }),
    'a credential needs a type, one of header, basic, query, placeholder, oauth2, token_exchange, jwt, gcp, hmac, aws_sigv4',
  );
  assert.equal(credentialSpecSchema.safeParse({ type: 'query', secret: 'x', param: 'k' }).success, true);
  // A field of another form does not make a spec sound.
  assert.equal(checkCredential({ type: 'query', secret: 'x', username: 'u' }), 'param: missing: this key is required (a string)');
});

void test('the secret reference is checked once for every form, in the spec and in the config', () => {
  assert.equal(
    checkCredential({ type: 'query', secret: 'env:1BAD', param: 'k' }),
    "secret: 'env:1BAD': an environment variable name is letters, digits and '_', not starting with a digit",
  );
  assert.equal(checkCredential({ type: 'query', secret: 'file:', param: 'k' }), "secret: 'file:' names no file; write 'file:./secrets/token'");
  assert.equal(
    checkCredential({ type: 'query', secret: 'a b', param: 'k' }),
    "secret: expected a secret name like github_token, 'env:NAME' or 'file:PATH'; got 'a b'",
  );
  assert.match(checkCredential({ type: 'query', secret: 'a'.repeat(65), param: 'k' }) ?? '', /a secret name is at most 64 characters$/);
  assert.equal(checkCredential({ type: 'query', secret: 'a'.repeat(64), param: 'k' }), undefined);
  assert.deepEqual(credentialProblems(`{ secret: ${'a'.repeat(65)}, query: k }`), [
    `rules[0].credential.secret: '${'a'.repeat(57)}...': a secret name is at most 64 characters`,
  ]);
});

void test('a config map names exactly one form; the policy compiler runs the same checks and keeps allow_plaintext', () => {
  const ONE = 'expected exactly one injection form (header, basic, query, placeholder, oauth2, token_exchange, jwt, gcp, hmac, aws_sigv4)';
  assert.deepEqual(credentialConfigIssues({ secret: 's' }), [{ path: [], message: `${ONE}; got none` }]);
  assert.deepEqual(credentialConfigIssues({ secret: 's', query: 'k', basic: { username: 'u' } }), [{ path: [], message: `${ONE}; got basic and query` }]);
  assert.throws(() => credentialFromConfig({ secret: 's', query: 'k', basic: { username: 'u' } }), {
    name: 'TypeError',
    message: `${ONE}; got basic and query`,
  });
  assert.throws(() => credentialFromConfig({ secret: 's', header: 'host', value: '{{secret}}' }), /^TypeError: header: 'host' is set by the gate/);
  assert.deepEqual(credentialFromConfig({ secret: 's', query: 'k', allow_plaintext: true }), { type: 'query', secret: 's', param: 'k', allowPlaintext: true });
  assert.deepEqual(credentialFromConfig({ secret: 's', query: 'k', allow_plaintext: false }), { type: 'query', secret: 's', param: 'k' });
});

void test('injectCredential looks the form up by type, checks the spec first, and answers static forms at once', () => {
  const bad = { type: 'ldap', secret: 'x' } as unknown as CredentialSpec;
  const deps = resolverOf({ x: 'v' });
  assert.throws(
    () => injectCredential({ headers: {}, path: '/' }, bad, deps),
    (e) => e instanceof CredentialError && e.reason === 'credential_invalid' && e.message === `credential for secret 'x': ${UNKNOWN}`,
  );
  assert.equal(deps.handedOut.length, 0, 'nothing resolved for a bad spec');
  const spec: CredentialSpec = { type: 'query', secret: 'x', param: 'k' };
  for (let i = 0; i < 2; i++) {
    const view = { headers: {}, path: '/' };
    const r = injectCredential(view, spec, deps);
    assert.ok(!(r instanceof Promise));
    assert.deepEqual(r, { changed: ['query'], bodyLengthChanged: false });
    assert.equal(view.path, '/?k=v');
  }
});
