import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicForm } from '../../../src/credentials/forms/basic.js';
import type { BasicCredential } from '../../../src/credentials/forms/basic.js';
import { checkCredential } from '../../../src/credentials/forms/index.js';
import type { RequestView } from '../../../src/credentials/inject-placeholder.js';
import { compiledFromYaml, credentialProblems, resolverOf } from './helpers.js';

const spec: BasicCredential = { type: 'basic', secret: 'jira', username: 'bot@acme.test' };

void test('basic schema: accepts a username; refuses one with a colon, in the spec and in the config', () => {
  assert.equal(checkCredential(spec), undefined);
  assert.equal(checkCredential({ ...spec, username: 'a:b' }), "username: must not contain ':'");
  assert.equal(checkCredential({ type: 'basic', secret: 'jira' }), 'username: missing: this key is required (a string)');
  assert.deepEqual(credentialProblems('{ secret: jira, basic: { username: "a:b" } }'), ["rules[0].credential.basic.username: must not contain ':'"]);
  assert.deepEqual(credentialProblems('{ secret: jira, basic: { user: a } }'), [
    'rules[0].credential.basic.username: missing: this key is required (a string)',
    "rules[0].credential.basic.user: unknown key 'user'; allowed keys: username",
  ]);
  assert.deepEqual(compiledFromYaml('{ secret: jira, basic: { username: bot@acme.test } }'), spec);
});

void test('basic explain names the user and the secret reference', () => {
  assert.equal(basicForm.explain(spec), "secret jira as the HTTP Basic password for user 'bot@acme.test'");
});

void test('basic inject sets authorization Basic base64(username:secret), at once; its echo is that same text', () => {
  const view: RequestView = { headers: { Authorization: 'Basic Zm9vOmJhcg==' }, path: '/' };
  const r = basicForm.inject(view, spec, resolverOf({ jira: 'pw' }));
  assert.ok(!(r instanceof Promise));
  assert.deepEqual(r, { changed: ['authorization'], bodyLengthChanged: false });
  const want = Buffer.from('bot@acme.test:pw').toString('base64');
  assert.deepEqual(view.headers, { authorization: `Basic ${want}` });
  assert.deepEqual(basicForm.echoes(spec, Buffer.from('pw')), [want]);
});
