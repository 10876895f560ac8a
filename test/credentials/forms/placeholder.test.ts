import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CredentialError } from '../../../src/credentials/errors.js';
import { checkCredential } from '../../../src/credentials/forms/index.js';
import { placeholderForm } from '../../../src/credentials/forms/placeholder.js';
import type { PlaceholderCredential } from '../../../src/credentials/forms/placeholder.js';
import type { RequestView } from '../../../src/credentials/inject-placeholder.js';
import { compiledFromYaml, credentialProblems, resolverOf } from './helpers.js';

const spec: PlaceholderCredential = { type: 'placeholder', secret: 'env:GH', placeholder: 'SLUICE_SECRET_env_GH', in: ['headers', 'path'] };

void test('placeholder schema: accepts a token and places; refuses a bad token, no place, an unknown place', () => {
  assert.equal(checkCredential(spec), undefined);
  assert.equal(checkCredential({ ...spec, placeholder: 'GH' }), "placeholder: 'GH' is not a SLUICE_SECRET_ token");
  assert.match(checkCredential({ ...spec, in: [] }) ?? '', /^in: expected at least one item, like \[headers, body\]/);
  assert.equal(checkCredential({ ...spec, in: ['cookies'] }), "in.0: expected one of headers, query, path, body; got 'cookies'");
  assert.deepEqual(credentialProblems('{ secret: gh, placeholder: { in: [cookies] } }'), [
    "rules[0].credential.placeholder.in[0]: expected one of headers, query, path, body; got 'cookies'",
  ]);
});

void test('placeholder config compiles to the token placeholderFor gives the reference', () => {
  assert.deepEqual(compiledFromYaml('{ secret: "env:GH", placeholder: { in: [headers, path] } }'), spec);
});

void test('placeholder explain names the token, the places and the secret reference', () => {
  assert.equal(placeholderForm.explain(spec), 'secret env:GH swapped for SLUICE_SECRET_env_GH in headers, path');
});

void test('placeholder inject swaps the listed places at once, and refuses the token anywhere else', () => {
  const view: RequestView = { headers: { 'x-t': 'Bearer SLUICE_SECRET_env_GH' }, path: '/r/SLUICE_SECRET_env_GH' };
  const r = placeholderForm.inject(view, spec, resolverOf({ 'env:GH': 'v/1' }));
  assert.ok(!(r instanceof Promise));
  assert.deepEqual(r, { changed: ['x-t', 'path'], bodyLengthChanged: false });
  assert.deepEqual(view, { headers: { 'x-t': 'Bearer v/1' }, path: '/r/v%2F1' });
  const elsewhere: RequestView = { headers: {}, path: '/r?q=SLUICE_SECRET_env_GH' };
  assert.throws(
    () => placeholderForm.inject(elsewhere, spec, resolverOf({ 'env:GH': 'v' })),
    (e) => e instanceof CredentialError && e.reason === 'placeholder_not_allowed',
  );
  assert.equal(elsewhere.path, '/r?q=SLUICE_SECRET_env_GH');
});
