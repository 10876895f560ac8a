/** Checksum validators against published examples. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { luhnValid } from '../../../src/inspect/dlp/validators/luhn.js';
import { ibanValid } from '../../../src/inspect/dlp/validators/iban.js';
import { crc32 } from '../../../src/inspect/dlp/validators/crc32.js';
import { base62Encode } from '../../../src/inspect/dlp/validators/base62.js';
import { githubChecksum, githubTokenValid } from '../../../src/inspect/dlp/validators/github-crc32.js';
import { base58CheckPayload, bitcoinAddressValid, wifValid } from '../../../src/inspect/dlp/validators/base58check.js';
import { bech32Valid } from '../../../src/inspect/dlp/validators/bech32.js';
import { eip55Valid } from '../../../src/inspect/dlp/validators/eip55.js';
import { base32Decode } from '../../../src/inspect/dlp/validators/base32.js';
import { jwtHeaderAlg } from '../../../src/inspect/dlp/validators/jwt.js';
import { shannonEntropy } from '../../../src/inspect/dlp/validators/entropy.js';
import { isPlaceholder } from '../../../src/inspect/dlp/validators/placeholder.js';

test('luhn: published test card numbers', () => {
  for (const n of ['4111111111111111', '5500000000000004', '378282246310005', '6011111111111117', '3530111333300000', '4012888888881881'])
    assert.ok(luhnValid(n), n);
  for (const n of ['4111111111111112', '1234567812345678', '', '41x1']) assert.ok(!luhnValid(n), n);
});

test('iban: registry examples pass mod-97, altered ones fail', () => {
  for (const n of [
    'GB82WEST12345698765432',
    'GB82 WEST 1234 5698 7654 32',
    'DE89370400440532013000',
    'FR1420041010050500013M02606',
    'NL91ABNA0417164300',
    'CH9300762011623852957',
  ])
    assert.ok(ibanValid(n), n);
  for (const n of ['GB82WEST12345698765433', 'DE8937040044053201300', 'XX82WEST12345698765432', 'GB82WEST1234569876543']) assert.ok(!ibanValid(n), n);
});

test('crc32 check value and GitHub base62 checksum', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32('123456789'), 0xcbf43926);
  assert.equal(base62Encode(61, 2), '0z');
  assert.equal(base62Encode(62, 2), '10');
  const body = 'FAKEFAKEFAKEFAKEFAKEFAKEFAKE00';
  const token = `ghp_${body}${githubChecksum(body)}`;
  assert.ok(githubTokenValid(token));
  assert.ok(!githubTokenValid(`ghp_${body}000000`));
  assert.ok(!githubTokenValid('ghp_short'));
});

test('base58check: genesis address, P2SH, WIF (bitcoin wiki examples)', () => {
  assert.ok(bitcoinAddressValid('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'));
  assert.ok(bitcoinAddressValid('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy'));
  assert.ok(!bitcoinAddressValid('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb'));
  assert.ok(!bitcoinAddressValid('1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf0a')); // 0 is not base58
  assert.ok(wifValid('5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ'));
  assert.ok(!wifValid('5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTK'));
  assert.equal(base58CheckPayload('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa')?.[0], 0);
});

test('bech32/bech32m: BIP-173 and BIP-350 vectors', () => {
  assert.ok(bech32Valid('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'));
  assert.ok(bech32Valid('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4'));
  assert.ok(bech32Valid('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0'));
  assert.ok(!bech32Valid('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5'));
  assert.ok(!bech32Valid('bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')); // mixed case
});

test('eip55: the EIP-55 vectors verify; one case, a flipped case or a changed digit do not', () => {
  for (const a of [
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
    '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
  ]) {
    assert.ok(eip55Valid(a), a);
  }
  // the EIP's all-caps and all-lower examples carry no checksum
  assert.ok(!eip55Valid('0x52908400098527886E0F7030069857D2E4169EE7'));
  assert.ok(!eip55Valid('0xde709f2102306220921060314715629080e2fb77'));
  assert.ok(!eip55Valid('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD')); // last letter's case flipped
  assert.ok(!eip55Valid('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe0')); // a changed character
  assert.ok(!eip55Valid('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe')); // 39 hex
});

test('base32, jwt header, entropy, placeholders', () => {
  assert.equal(base32Decode('JBSWY3DP'), 'Hello');
  assert.equal(base32Decode('JBSW!'), undefined);
  assert.equal(jwtHeaderAlg('eyJhbGciOiJIUzI1NiJ9.e30.sig'), 'HS256');
  assert.equal(jwtHeaderAlg('eyJub3QiOiJqd3QifQ.e30.x'), undefined);
  assert.equal(shannonEntropy('aaaa'), 0);
  assert.equal(shannonEntropy('abcd'), 2);
  for (const p of [
    '${DB_PASSWORD}',
    '<your-token>',
    'changeme',
    '****',
    'process.env.TOKEN',
    '/etc/secret',
    'your_api_key_here',
    'SLUICE_SECRET_github_token',
    'SLUICE_SECRET_env_GH_TOKEN',
  ])
    assert.ok(isPlaceholder(p), p);
  for (const p of ['hunter2hunter2', 'Fake-Pass-2026!']) assert.ok(!isPlaceholder(p), p);
  // What setup guides and example configs put in the value's place.
  for (const p of ['replace-me', 'change-me', 'change-me-to-a-long-random-string', 'CHANGE_ME', 'set-this', 'TODO', 'secret-goes-here', 'session_secret='])
    assert.ok(isPlaceholder(p), p);
  for (const p of ['changeling-Qx7!pz', 'meridian-42-Kv9', 'set4Gz91!']) assert.ok(!isPlaceholder(p), p);
});
