import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CredentialError } from '../../../src/credentials/errors.js';
import { headerForm } from '../../../src/credentials/forms/header.js';
import type { HeaderCredential } from '../../../src/credentials/forms/header.js';
import { checkCredential, explainCredential } from '../../../src/credentials/forms/index.js';
import type { RequestView } from '../../../src/credentials/inject-placeholder.js';
import { compiledFromYaml, credentialProblems, resolverOf } from './helpers.js';

const spec: HeaderCredential = { type: 'header', secret: 'gh', header: 'authorization', value: 'Bearer {{secret}}' };

void test('header schema: accepts a template with {{secret}}; refuses a bad name, a gate header, no {{secret}}, a line break', () => {
  assert.equal(checkCredential(spec), undefined);
  assert.equal(checkCredential({ ...spec, header: 'a b' }), "header: expected a header name like authorization; got 'a b'");
  for (const gate of ['host', 'Content-Length', 'transfer-encoding', 'proxy-authorization']) {
    assert.equal(checkCredential({ ...spec, header: gate }), `header: '${gate.toLowerCase()}' is set by the gate and cannot carry a credential`);
  }
  assert.equal(
    checkCredential({ ...spec, value: 'Bearer x' }),
    `value: the value must contain {{secret}} where the secret goes, like "Bearer {{secret}}"; got 'Bearer x'`,
  );
  assert.equal(checkCredential({ ...spec, value: '{{secret}}\r\nx-evil: 1' }), 'value: must not contain line breaks');
});

void test('header config: the same checks at the line, plus how header and value combine; compiled lower-case', () => {
  assert.deepEqual(credentialProblems('{ secret: gh, header: Proxy-Authorization, value: "{{secret}}" }'), [
    "rules[0].credential.header: 'proxy-authorization' is set by the gate and cannot carry a credential",
  ]);
  assert.deepEqual(credentialProblems('{ secret: gh, header: x-key }'), [
    'rules[0].credential: a header credential needs a value, like value: "Bearer {{secret}}"',
  ]);
  assert.deepEqual(credentialProblems('{ secret: gh, value: "x {{secret}}", query: k }'), [
    "rules[0].credential.value: 'value' goes with 'header'; add header: authorization (or the header to set)",
  ]);
  assert.deepEqual(credentialProblems('{ secret: gh, header: x-key, value: "a\\n{{secret}}" }'), ['rules[0].credential.value: must not contain line breaks']);
  assert.deepEqual(compiledFromYaml('{ secret: gh, header: X-Key, value: "k={{secret}}" }'), {
    type: 'header',
    secret: 'gh',
    header: 'x-key',
    value: 'k={{secret}}',
  });
});

void test('header explain names the header, the template and the secret reference', () => {
  assert.equal(headerForm.explain(spec), 'secret gh in header authorization: Bearer {{secret}}');
  assert.equal(
    explainCredential({ ...spec, allowPlaintext: true }),
    'secret gh in header authorization: Bearer {{secret}}; also over plain HTTP (allow_plaintext)',
  );
});

void test('header inject answers at once, replaces the header in any case, and wipes the value', () => {
  const view: RequestView = { headers: { AUTHORIZATION: 'Bearer agent', accept: '*/*' }, path: '/x' };
  const deps = resolverOf({ gh: 'tok_1' });
  const r = headerForm.inject(view, spec, deps);
  assert.ok(!(r instanceof Promise), 'a static form does not make the request wait');
  assert.deepEqual(r, { changed: ['authorization'], bodyLengthChanged: false });
  assert.deepEqual(view.headers, { accept: '*/*', authorization: 'Bearer tok_1' });
  assert.ok(
    deps.handedOut.every((b) => b.every((x) => x === 0)),
    'the value is wiped',
  );
  assert.throws(
    () => headerForm.inject({ headers: {}, path: '/' }, spec, resolverOf({ gh: 'a\nb' })),
    (e) => e instanceof CredentialError && /secret 'gh' contains control characters/.test(e.message),
  );
});
