/**
 * Ethereum addresses: a checksummed (EIP-55) address leaving is blocked, a one-case
 * address (no checksum) is a warning, and other hex of nearby lengths (git SHAs,
 * transaction hashes, 0x + 41 hex) is not an address at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DlpScanner } from '../../../src/inspect/dlp/index.js';
import type { Finding } from '../../../src/inspect/finding.js';

const dlp = new DlpScanner();
const VITALIK = '0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045';
const eth = (f: readonly Finding[]): string[] => f.filter((x) => x.type.startsWith('ethereum_address')).map((x) => `${x.type}:${x.action}@${x.location}`);

test('a checksummed address blocks, in a URL query, a path, JSON and text; never echoed', () => {
  const url = dlp.scanUrl(`/collect?eth=${VITALIK}`);
  assert.deepEqual(eth(url), ['ethereum_address:block@url.query:eth']);
  assert.ok(!JSON.stringify(url).includes(VITALIK.slice(2, 10)));
  assert.deepEqual(eth(dlp.scanUrl(`/wallets/${VITALIK}/balance`)), ['ethereum_address:block@url.path']);
  assert.deepEqual(eth(dlp.scanText(JSON.stringify({ to: VITALIK, amount: '1.5' }), 'body')), ['ethereum_address:block@body']);
  assert.deepEqual(eth(dlp.scanText(`send it to ${VITALIK}.`, 'x')), ['ethereum_address:block@x']);
  assert.deepEqual(eth(dlp.scanText(Buffer.from(`addr=${VITALIK}`).toString('base64'), 'x')), ['ethereum_address:block@x']);
});

test('one case only (no checksum) or a checksum that does not verify: a warning, as unverified', () => {
  for (const a of [VITALIK.toLowerCase(), `0x${VITALIK.slice(2).toUpperCase()}`, VITALIK.replace('d8dA', 'd8Da')]) {
    const found = dlp.scanText(`to ${a}`, 'x');
    assert.deepEqual(eth(found), ['ethereum_address_unverified:warn@x'], a);
    assert.match(found[0]?.detail ?? '', /EIP-55/);
  }
});

test('not addresses: git SHAs, transaction hashes, 0x + 39 or 41 hex, hex glued to letters', () => {
  const texts = [
    'commit d8da6bf26964af9d7eed9e03e53415d37aa96045',
    '/repos/nodejs/node/commits/4f1c0b2e9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
    'tx 0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060',
    `${VITALIK}0`,
    VITALIK.slice(0, -1),
    `id${VITALIK}`,
  ];
  for (const t of texts) assert.deepEqual(eth(dlp.scanText(t, 'x')), [], t);
});

test('the unverified variant has its own action override', () => {
  const strict = new DlpScanner({ actions: { ethereum_address_unverified: 'block', ethereum_address: 'warn' } });
  assert.deepEqual(eth(strict.scanText(`a ${VITALIK.toLowerCase()} b ${VITALIK}`, 'x')), ['ethereum_address_unverified:block@x', 'ethereum_address:warn@x']);
});
