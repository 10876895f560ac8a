import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DlpScanner } from '../../../src/inspect/dlp/scanner.js';
import { jsonGroups, neighbourFindings } from '../../../src/inspect/dlp/sibling-joins.js';
import { scanToolCallArgs } from '../../../src/inspect/mcp/tool-inspect.js';

const dlp = new DlpScanner({});
const KEY = 'AKIAQYLPMN5HHHFPZAM2';
const found = (doc: unknown): string[] =>
  neighbourFindings(dlp, jsonGroups(Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc))), 'body.json', true).map((f) => `${f.type}@${f.location}`);

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

test('a cut right after a lower-case prefix (xoxb | -2345..., ghp | _R8f...) is found in a body and in a tool call', () => {
  const slack = 'xoxb-2345678901-2345678901234-AbCdEfGhIjKlMnOpQrStUvWx';
  const github = 'ghp_R8fKz2LqWv9TnXyB4mPcD7sHjA1eGu0oQiVt';
  for (const [cut, type] of [
    [[slack.slice(0, 4), slack.slice(4)], 'slack_bot_token'],
    [[slack.slice(0, 2), slack.slice(2)], 'slack_bot_token'],
    [[github.slice(0, 3), github.slice(3)], 'github_token'],
  ] as const) {
    const doc = { note: 'x', a: cut[0], b: cut[1] };
    assert.ok(
      found(doc).some((f) => f.startsWith(type)),
      `body: ${cut.join(' | ')}`,
    );
    assert.ok(
      scanToolCallArgs(doc, dlp).some((f) => f.type.startsWith(type)),
      `tool call: ${cut.join(' | ')}`,
    );
  }
});
