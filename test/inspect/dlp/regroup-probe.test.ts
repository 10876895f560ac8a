/**
 * The regrouping probe inside the index's word pass: the words it marks must find
 * every sequence start that testing each separator finds, and the joins it skips (a
 * UUID's last four groups: one-case hex, opaque bytes, shorter than every known
 * secret) must be exactly those that could hold nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { regrouped, regroupStarts } from '../../../src/inspect/dlp/regrouped.js';
import { indexText } from '../../../src/inspect/dlp/text-index.js';
import { KeywordIndex } from '../../../src/inspect/dlp/keyword-index.js';
import { DlpScanner, KnownSecrets } from '../../../src/inspect/dlp/index.js';
import { opaqueHex } from '../../../src/inspect/dlp/run-kinds.js';

const runsOf = (s: string): number[] => {
  const runs: number[] = [];
  const re = /[A-Za-z0-9+/_-]{15,}={0,2}/g;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) runs.push(m.index, m.index + m[0].length);
  return runs;
};

test('the group probe of the word pass finds the same sequence starts as testing every separator', () => {
  let seed = 7;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = (xs: string): string => xs[Math.floor(rnd() * xs.length)] as string;
  const pieces: Array<() => string> = [
    () => pick('0123456789abcdef') + pick('0123456789abcdefABCDEF'),
    () => pick(' -\t:,'),
    () => ' ',
    () => '0x',
    () => '0X',
    () => pick('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_'),
    () => 'the ',
    () => 'QUtJ',
    () => '\n',
    () => ', ',
    () => 'de ad be ef ',
    () => 'Ab1x-',
    () => pick('XYZ019'),
    () => 'abcd ',
    () => `${'0c6d2a8c'}-a763-4058-a4fd-91f9911dabcd`,
  ];
  const ki = new KeywordIndex([], []);
  let found = 0;
  for (let i = 0; i < 20000; i++) {
    const len = 1 + Math.floor(rnd() * 200);
    let s = '';
    while (s.length < len) s += (pieces[Math.floor(rnd() * pieces.length)] as () => string)();
    const runs = runsOf(s);
    const every = regroupStarts(s, runs);
    const probed = regroupStarts(s, runs, indexText(ki, s, 15, true, false, true).groupStarts);
    assert.deepEqual(probed, every, JSON.stringify(s));
    found += regrouped(s, every).length;
  }
  assert.ok(found > 1000, `the strings hold sequences (${found})`);
});

test('opaqueHex: one-case hex whose bytes hold no 8 printable in a row; not mixed case, not text, not other characters', () => {
  assert.equal(opaqueHex('2a8ca7634058a4fd'), true);
  assert.equal(opaqueHex('2A8CA7634058A4FD'), true);
  assert.equal(opaqueHex('2a8cA7634058a4fd'), false);
  assert.equal(opaqueHex(Buffer.from('hunter2x').toString('hex')), false);
  assert.equal(opaqueHex('2a8ca7634058a4fg'), false);
  assert.equal(opaqueHex('QUtJQUZBS0UwMDAw'), false);
});

test('UUIDs make no finding; a secret in UUID-shaped groups is still found, as a pattern or as a short known secret', () => {
  const uuids = Array.from(
    { length: 50 },
    (_, i) => `{"id":"${(0x10000000 + i * 7919).toString(16)}-a763-4058-a4fd-91f9911da${String(i).padStart(3, '0')}"}`,
  ).join('\n');
  const long = new DlpScanner({ known: new KnownSecrets([{ name: 'long', value: 'x7Kp2mQ9vR4sL8nW1bY6cT3fA0jH5dEz' }]) });
  assert.deepEqual(long.scanText(uuids, 'body'), []);
  // the hex of an AWS key id in 4-char dash groups: the join decodes to text
  const aws = Buffer.from('AKIAFAKE0000TEST1234')
    .toString('hex')
    .replace(/(....)(?!$)/g, '$1-');
  assert.ok(long.scanText(`{"id":"${aws}"}`, 'body').some((f) => f.type === 'aws_access_key_id' && f.encoding === 'regrouped+hex'));
  // a short store value's hex (16 chars, opaque bytes) in a UUID's last four groups
  const value = Buffer.from([0x93, 0xfe, 0x01, 0x88, 0xa2, 0x11, 0xc4, 0x7f]);
  const hexValue = value.toString('hex');
  const shaped = `0c6d${hexValue.slice(0, 4)}-${hexValue.slice(4, 8)}-${hexValue.slice(8, 12)}-${hexValue.slice(12)}-91f9911dabcd`;
  assert.equal(opaqueHex(hexValue), true);
  const short = new DlpScanner({ known: new KnownSecrets([{ name: 'short', value }]) });
  assert.ok(
    short.scanText(`{"id":"${shaped}"}`, 'body').some((f) => f.type === 'known_secret' && (f.encoding ?? '').startsWith('regrouped')),
    JSON.stringify(short.scanText(`{"id":"${shaped}"}`, 'body')),
  );
});
