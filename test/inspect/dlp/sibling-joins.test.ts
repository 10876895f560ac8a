import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DlpScanner } from '../../../src/inspect/dlp/scanner.js';
import { jsonGroups, neighbourFindings } from '../../../src/inspect/dlp/sibling-joins.js';

const dlp = new DlpScanner({});
const KEY = 'AKIAQYLPMN5HHHFPZAM2';
const found = (doc: unknown): string[] =>
  neighbourFindings(dlp, jsonGroups(Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc))), 'body.json').map((f) => `${f.type}@${f.location}`);

test('a key cut across neighbouring members, array items or a deep object is found, at the values it spans', () => {
  assert.deepEqual(found({ provider: 'aws', access_key: KEY.slice(0, 12), key_suffix: KEY.slice(12), region: 'eu' }), [
    'aws_access_key_id@body.json:access_key+key_suffix',
  ]);
  assert.deepEqual(found({ note: { parts: [KEY.slice(0, 6), KEY.slice(6, 12), KEY.slice(12)] } }), [
    'aws_access_key_id@body.json:note.parts[0]+note.parts[1]+note.parts[2]',
  ]);
  // deeper than any walk limit: the stack has none
  let deep: unknown = { a: KEY.slice(0, 10), b: KEY.slice(10) };
  for (let i = 0; i < 200; i++) deep = { x: deep };
  assert.equal(found(deep).length, 1);
});

test('a piece that ends in a JSON escape is still a candidate', () => {
  const first = `${KEY.slice(0, 9)}\\u00${KEY.charCodeAt(9).toString(16)}`; // the 10th char written as \u00XX
  assert.deepEqual(found(`{"k1":"${first}","k2":"${KEY.slice(10)}"}`), ['aws_access_key_id@body.json:k1+k2']);
});

test('only what crosses a cut: a key whole in one value, prose neighbours and ids are not joins', () => {
  assert.deepEqual(found({ a: KEY, b: 'note' }), []);
  assert.deepEqual(found({ role: 'user', content: 'the agent asked for AKIA', next: 'keys to rotate' }), []);
  assert.deepEqual(found({ ids: ['8f14e45f', 'AKIA', 'docs', 'abc-123'], title: 'Rotate the AKIA keys' }), []);
  assert.deepEqual(jsonGroups(Buffer.from('not json, "AKIA1234", "QYLP"')), []);
});
