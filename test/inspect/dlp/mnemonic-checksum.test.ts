import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateMnemonic, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { checksumValid, findMnemonics } from '../../../src/inspect/dlp/mnemonic.js';

test('the seed-phrase checksum computed from wordlist indexes agrees with @scure/bip39', () => {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 2048;
  for (let i = 0; i < 3000; i++) {
    const len = [12, 15, 18, 21, 24][i % 5]!;
    const idx =
      i % 2 === 0
        ? generateMnemonic(wordlist, (len * 32) / 3)
            .split(' ')
            .map((w) => wordlist.indexOf(w))
        : Array.from({ length: len }, rnd);
    assert.equal(checksumValid(idx), validateMnemonic(idx.map((v) => wordlist[v]!).join(' '), wordlist), idx.join(','));
  }
});

test('a long run of wordlist words is searched with bounded checks and still finds the phrase in it', () => {
  const phrase = generateMnemonic(wordlist, 128)
    .split(' ')
    .map((w) => wordlist.indexOf(w));
  // 20,000 words that never validate as 12 (strictly increasing windows are skipped), then the phrase.
  const filler = Array.from({ length: 20_000 }, (_, i) => i % 2048);
  const index = [...filler, ...phrase];
  const starts = index.map((_, i) => i * 9);
  const spans = findMnemonics([{ starts, ends: starts.map((s) => s + 8), index }]);
  assert.ok(spans.length >= 2);
});
