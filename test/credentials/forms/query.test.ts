import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCredential } from '../../../src/credentials/forms/index.js';
import { queryForm } from '../../../src/credentials/forms/query.js';
import type { QueryCredential } from '../../../src/credentials/forms/query.js';
import type { RequestView } from '../../../src/credentials/inject-placeholder.js';
import { compiledFromYaml, credentialProblems, resolverOf } from './helpers.js';

const spec: QueryCredential = { type: 'query', secret: 'maps', param: 'key' };

void test('query schema: accepts a parameter name; refuses an empty one, in the spec and in the config', () => {
  assert.equal(checkCredential(spec), undefined);
  assert.equal(checkCredential({ ...spec, param: '' }), 'param: must not be empty');
  assert.deepEqual(credentialProblems('{ secret: maps, query: "" }'), ['rules[0].credential.query: must not be empty']);
  assert.deepEqual(credentialProblems('{ secret: maps, query: [a] }'), ['rules[0].credential.query: expected a string; got a list']);
  assert.deepEqual(compiledFromYaml('{ secret: maps, query: key }'), spec);
});

void test('query explain names the parameter and the secret reference', () => {
  assert.equal(queryForm.explain(spec), "secret maps as query parameter 'key'");
});

void test('query inject replaces the parameter, percent-encoded, at once; a placeholder anywhere is refused first', () => {
  const view: RequestView = { headers: {}, path: '/v1?a=1&key=AGENT&b=2' };
  const r = queryForm.inject(view, spec, resolverOf({ maps: 'a&b=c' }));
  assert.ok(!(r instanceof Promise));
  assert.deepEqual(r, { changed: ['query'], bodyLengthChanged: false });
  assert.equal(view.path, '/v1?a=1&key=a%26b%3Dc&b=2');
  const deps = resolverOf({ maps: 'v' });
  assert.throws(() => queryForm.inject({ headers: { 'x-a': 'SLUICE_SECRET_maps' }, path: '/' }, spec, deps), /placeholder 'SLUICE_SECRET_maps'/);
  assert.equal(deps.handedOut.length, 0, 'refused before the secret is read');
});
