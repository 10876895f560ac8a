/**
 * The cross-message window: a secret cut across messages is found at the join (plain
 * or behind a short label), only findings that take bytes from both sides count, and
 * ordinary message streams (chat, JSON events, ids, numbers streamed in pieces) stay clean.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { DlpScanner, KnownSecrets } from '../../../src/inspect/dlp/index.js';
import { MessageWindow, WINDOW_BYTES } from '../../../src/inspect/dlp/message-window.js';
import type { Finding } from '../../../src/inspect/finding.js';
import { assertNoLeak, fakeGithubToken } from './fakes.js';

const KNOWN = `canary-${randomBytes(12).toString('hex')}`;
const dlp = new DlpScanner({ known: new KnownSecrets([{ name: 'billing', value: KNOWN }]) });
const AWS = 'AKIAFAKE0000TEST1234';

/** Feed messages in order; the findings of each. */
function stream(messages: readonly string[]): Finding[][] {
  const w = new MessageWindow((a, b) => dlp.scanJoin(a, b, 'ws.message'));
  return messages.map((m) => w.next(m));
}
const types = (fs: Finding[]): string[] => fs.map((f) => f.type);

test('scanJoin keeps only matches that take bytes from both sides', () => {
  assert.deepEqual(types(dlp.scanJoin(`key ${AWS.slice(0, 9)}`, `${AWS.slice(9)} end`, 'x')), ['aws_access_key_id']);
  // Wholly on one side: each message is scanned on its own, not again here.
  assert.deepEqual(dlp.scanJoin(`key ${AWS} `, 'next message', 'x'), []);
  assert.deepEqual(dlp.scanJoin('previous message ', `key ${AWS}`, 'x'), []);
});

test('scanJoin leaves out keyword-less patterns: digits ending one message and starting the next are not a card', () => {
  const card = '4111111111111111';
  assert.ok(
    dlp.scanText(card, 'x').some((f) => f.type === 'credit_card'),
    'the card alone is found',
  );
  assert.deepEqual(dlp.scanJoin(card.slice(0, 8), card.slice(8), 'x'), []);
});

test('a secret streamed in pieces, one message each, is found by the message that completes it', () => {
  const found = stream(['the key is ', AWS.slice(0, 6), AWS.slice(6, 13), AWS.slice(13), ' thanks']);
  assert.deepEqual(found.map(types), [[], [], [], ['aws_access_key_id'], []]);
  assertNoLeak(found.flat(), AWS);
});

test('a known secret split across two messages, plain and base64', () => {
  assert.deepEqual(types(stream([`here: ${KNOWN.slice(0, 10)}`, `${KNOWN.slice(10)} done`])[1]!), ['known_secret']);
  const b64 = Buffer.from(KNOWN).toString('base64');
  const f = stream([`blob=${b64.slice(0, 12)}`, `${b64.slice(12)}&x=1`])[1]!;
  assert.deepEqual(
    f.map((x) => [x.type, x.encoding]),
    [['known_secret', 'base64']],
  );
});

test('halves behind short labels (`part1: ` / `part2: `) are joined', () => {
  const gh = fakeGithubToken();
  const found = stream([`part1: ${gh.slice(0, 18)}`, `part2: ${gh.slice(18)}`]);
  assert.deepEqual(found.map(types), [[], ['github_token']]);
  assertNoLeak(found.flat(), gh);
  // The label may be any short text before the second half, within the first 32 bytes.
  assert.deepEqual(types(stream([`token ${gh.slice(0, 20)}`, `[2/2] rest: ${gh.slice(20)}`])[1]!), ['github_token']);
});

test('bounds: a second half more than 32 bytes in, or a first half more than the window back, is not joined', () => {
  const gh = fakeGithubToken();
  assert.deepEqual(stream([`a ${gh.slice(0, 18)}`, `${'label '.repeat(6)}${gh.slice(18)}`])[1], []);
  assert.deepEqual(stream([`a ${gh.slice(0, 18)}`, 'x'.repeat(WINDOW_BYTES), gh.slice(18)])[2], []);
});

test('ordinary message streams produce nothing at the joins', () => {
  const prose = 'The agent asked for the build logs of the failing job, which showed a timeout in the integration tests while connecting to the database. ';
  // An LLM-style token stream: a few characters per message.
  const pieces = prose.repeat(4).match(/.{1,3}/gs) ?? [];
  assert.deepEqual(stream(pieces).flat(), []);
  // JSON events whose ids, hashes and numbers sit at the ends and starts of messages.
  const events = Array.from({ length: 40 }, (_, i) =>
    i % 2 === 0 ? `{"type":"delta","id":"${randomUUID()}","sha":"${randomBytes(20).toString('hex')}` : `${randomBytes(8).toString('hex')}","n":${1000000 + i}}`,
  );
  assert.deepEqual(
    stream(events)
      .flat()
      .filter((f) => f.action === 'block'),
    [],
  );
  // Numbers streamed digit group by digit group (no keyword: never joined into a card).
  assert.deepEqual(stream(['4111 ', '1111 ', '1111 ', '1111']).flat(), []);
  // Words that end one message and start the next after a label.
  assert.deepEqual(
    stream(['see the docs for sk-learn', 'note: pipelines are composable', 'password', ': see the reset page'])
      .flat()
      .filter((f) => f.action === 'block'),
    [],
  );
});
