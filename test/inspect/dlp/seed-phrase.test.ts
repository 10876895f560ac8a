/**
 * BIP-39 seed phrases: the BIP's test vector and random phrases of every length are
 * blocked wherever they are written (text, bodies, URLs, base64); a run with a bad
 * checksum, the wordlist itself and prose full of wordlist words are not. The shortest
 * possible phrase is found at every alignment (the prefilter probes two aligned words
 * in every ten).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateMnemonic, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { DlpScanner } from '../../../src/inspect/dlp/index.js';
import type { Finding } from '../../../src/inspect/finding.js';
import { assertNoLeak } from './fakes.js';

const dlp = new DlpScanner();
const VECTOR = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const seeds = (f: readonly Finding[]): string[] =>
  f.filter((x) => x.type === 'bip39_mnemonic').map((x) => `${x.action}@${x.location}${x.encoding ? `(${x.encoding})` : ''}`);

function body(text: string, contentType: string, chunk = 64 * 1024): Finding[] {
  const b = dlp.bodyScanner(contentType);
  const buf = Buffer.from(text);
  const out: Finding[] = [];
  for (let i = 0; i < buf.length; i += chunk) out.push(...b.push(buf.subarray(i, i + chunk)));
  return [...out, ...b.end()];
}

/** A valid 12-word phrase of 3-letter words only: 47 bytes, the shortest there is. */
function shortestPhrase(): string {
  const three = wordlist.filter((w) => w.length === 3);
  for (let start = 0; start < three.length; start++) {
    const head = Array.from({ length: 11 }, (_, i) => three[(start + 7 * i) % three.length] as string);
    for (const last of three) {
      const phrase = [...head, last].join(' ');
      if (validateMnemonic(phrase, wordlist)) return phrase;
    }
  }
  throw new Error('no 3-letter phrase');
}

test('the BIP-39 test vector is blocked in text, in a sentence, in JSON, and never echoed', () => {
  const found = dlp.scanText(VECTOR, 'mcp.args');
  assert.deepEqual(found, [{ type: 'bip39_mnemonic', location: 'mcp.args', action: 'block', detail: 'BIP-39 seed phrase (wordlist words, checksum valid)' }]);
  assertNoLeak(found, VECTOR, 'bip39');
  assert.deepEqual(seeds(dlp.scanText(`My recovery words are ${VECTOR}. Keep them safe.`, 'x')), ['block@x']);
  assert.deepEqual(seeds(body(JSON.stringify({ path: '/tmp/backup.txt', content: VECTOR }), 'application/json')), ['block@body']);
});

test('separators: commas, ", ", newlines, CRLF, tabs, "+"; any letter case', () => {
  const words = VECTOR.split(' ');
  for (const sep of [',', ', ', '\n', '\r\n', '\t', '+']) assert.deepEqual(seeds(dlp.scanText(words.join(sep), 'x')), ['block@x'], JSON.stringify(sep));
  assert.deepEqual(seeds(dlp.scanText(VECTOR.toUpperCase(), 'x')), ['block@x']);
  assert.deepEqual(seeds(dlp.scanText(words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join(' '), 'x')), ['block@x']);
  // two spaces, or a word glued to punctuation, break the run
  assert.deepEqual(seeds(dlp.scanText(words.join('  '), 'x')), []);
  assert.deepEqual(seeds(dlp.scanText(words.join('. '), 'x')), []);
});

test('random phrases of 12 to 24 words, generated here, are blocked; a random 24-word phrase too', () => {
  for (const strength of [128, 160, 192, 224, 256]) {
    const phrase = generateMnemonic(wordlist, strength);
    assert.deepEqual(seeds(dlp.scanText(`seed: ${phrase}\n`, 'x')), ['block@x'], `${strength} bits`);
  }
  // A phrase with a piece of the finding's own fixed wording ("seed phrase ... wordlist
  // words"; " phrase " was one, about one run in a hundred) would trip the leak check on
  // that wording, not on a leak: draw another.
  const detail = dlp.scanText(VECTOR, 'x')[0]!.detail!;
  const inWording = (p: string): boolean => Array.from({ length: p.length - 7 }, (_, i) => p.slice(i, i + 8)).some((piece) => detail.includes(piece));
  let phrase: string;
  do phrase = generateMnemonic(wordlist, 256);
  while (inWording(phrase));
  assert.equal(phrase.split(' ').length, 24);
  const found = body(`{"note":"wallet","words":"${phrase}"}`, 'application/json');
  assert.deepEqual(seeds(found), ['block@body']);
  assertNoLeak(found, phrase, 'bip39');
});

test('URLs (query value, "+" or %20, path), base64 and hex layers', () => {
  assert.deepEqual(seeds(dlp.scanUrl(`/collect?seed=${encodeURIComponent(VECTOR)}`)), ['block@url.query:seed(url)']);
  assert.deepEqual(seeds(dlp.scanUrl(`/collect?seed=${VECTOR.replaceAll(' ', '+')}`)), ['block@url.query:seed']);
  assert.deepEqual(seeds(dlp.scanUrl(`/backup/${encodeURIComponent(VECTOR)}`)), ['block@url.path(url)']);
  assert.deepEqual(seeds(dlp.scanText(Buffer.from(VECTOR).toString('base64'), 'x')), ['block@x(base64)']);
  assert.deepEqual(seeds(dlp.scanText(Buffer.from(VECTOR).toString('hex'), 'x')), ['block@x(hex)']);
});

test('the shortest phrase (12 three-letter words, 47 bytes) is found at every offset, in a body split into small chunks', () => {
  const phrase = shortestPhrase();
  assert.equal(phrase.length, 47);
  for (let pad = 0; pad < 48; pad++) {
    const text = `${'.'.repeat(pad)} ${phrase} .`;
    assert.deepEqual(seeds(dlp.scanText(text, 'x')), ['block@x'], `offset ${pad}`);
  }
  const long = `${'lorem ipsum dolor sit amet. '.repeat(2000)}${phrase}${' consectetur.'.repeat(2000)}`;
  assert.deepEqual(seeds(body(long, 'text/plain', 7)), ['block@body']);
});

test('not a phrase: a bad checksum, 11 words, a word too many letters apart, the wordlist itself', () => {
  assert.ok(!validateMnemonic(Array(12).fill('abandon').join(' '), wordlist));
  assert.deepEqual(seeds(dlp.scanText(Array(12).fill('abandon').join(' '), 'x')), []);
  assert.deepEqual(seeds(dlp.scanText(VECTOR.split(' ').slice(1).join(' '), 'x')), []);
  assert.deepEqual(seeds(dlp.scanText(VECTOR.replace('about', 'abouts'), 'x')), []);
  // a word list in code or docs: strictly increasing, never a phrase
  assert.deepEqual(seeds(dlp.scanText(wordlist.join('\n'), 'x')), []);
  assert.deepEqual(seeds(dlp.scanText(`const words = [${wordlist.map((w) => JSON.stringify(w)).join(', ')}];`, 'x')), []);
});

test('ordinary prose full of wordlist words is not a phrase', () => {
  const prose = [
    'The agent will build a simple list of tools for the team, then open the report and check every item before the deadline.',
    'Please review the budget and the final draft: the client asked for a clear summary of the project, with a short list of risks.',
    'After the meeting we found that the system was slow because the cache was empty and the network was busy all morning.',
    'She opened the window, picked up the phone and called her brother to ask about the garden, the weather and the trip.',
  ].join(' ');
  assert.deepEqual(seeds(dlp.scanText(prose.repeat(50), 'x')), []);
  assert.deepEqual(seeds(body(prose.repeat(500), 'text/plain')), []);
  // runs of 11 wordlist words broken by one word that is not in it
  const eleven = VECTOR.split(' ').slice(0, 11).join(' ');
  assert.deepEqual(seeds(dlp.scanText(`${eleven} the ${eleven} and ${eleven}`, 'x')), []);
});

test('actions override: bip39_mnemonic can be made a warning; seedPhrases: false skips the search', () => {
  const lenient = new DlpScanner({ actions: { bip39_mnemonic: 'warn' } });
  assert.deepEqual(seeds(lenient.scanText(VECTOR, 'x')), ['warn@x']);
  const off = new DlpScanner({ seedPhrases: false });
  assert.deepEqual(seeds(off.scanText(VECTOR, 'x')), []);
  assert.deepEqual(
    off.scanText('AKIAIOSFODNN7EXAMPLE', 'x').map((f) => f.type),
    ['aws_access_key_id'],
  );
});
