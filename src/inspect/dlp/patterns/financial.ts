/**
 * Financial and crypto data with checksum validators: payment cards (Luhn + brand
 * prefix), IBAN (mod-97), Bitcoin addresses (Base58Check, bech32) and WIF private keys,
 * Ethereum addresses (EIP-55) and private keys (64 hex in a key-named assignment).
 * BIP-39 seed phrases are words, not a pattern: see mnemonic.ts.
 *
 * @example
 * import { financialPatterns } from './financial.js';
 * financialPatterns.some((p) => p.id === 'credit_card') // true
 */
import type { PatternSpec } from '../pattern-spec.js';
import { luhnValid } from '../validators/luhn.js';
import { ibanValid } from '../validators/iban.js';
import { bitcoinAddressValid, wifValid } from '../validators/base58check.js';
import { bech32Valid } from '../validators/bech32.js';
import { shannonEntropy } from '../validators/entropy.js';
import { eip55Valid } from '../validators/eip55.js';

/** Brand prefix and length table (IIN ranges). */
function cardBrandOk(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p4 = Number(d.slice(0, 4));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // Amex
  if (p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499)) return n >= 16 && n <= 19; // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if ((p4 >= 3000 && p4 <= 3059) || p2 === 36 || p2 === 38) return n >= 14 && n <= 19; // Diners
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  return false;
}

function cardValid(m: RegExpExecArray): boolean {
  const raw = m[1] ?? '';
  const seps = raw.replace(/[0-9]/g, '');
  if (seps.length > 0 && !/^(?: +|-+)$/.test(seps)) return false; // one separator kind only
  if (seps.length > 0 && !/^[0-9]{4}([ -])(?:[0-9]{4,6}\1){1,3}[0-9]{1,5}$/.test(raw) && !/^[0-9]{4}([ -])[0-9]{6}\1[0-9]{4,5}$/.test(raw)) return false;
  const d = raw.replace(/[ -]/g, '');
  if (/^(\d)\1+$/.test(d) || /^(?:0123456789|1234567890)/.test(d)) return false;
  return cardBrandOk(d) && luhnValid(d);
}

export const financialPatterns: PatternSpec[] = [
  {
    id: 'credit_card',
    description: 'Payment card number (brand prefix + Luhn)',
    keywords: [],
    trigger: { run: 'digits', min: 13, max: 19 },
    regex: /(?<![0-9A-Za-z./:_-])([2-6][0-9]{3}(?:[ -]?[0-9]){9,15})(?![0-9A-Za-z/_]|\.[0-9])/,
    validate: cardValid,
    action: 'block',
    before: 4,
    maxLength: 30,
  },
  {
    id: 'iban',
    description: 'International bank account number (mod-97)',
    keywords: [],
    trigger: { run: 'alnum', min: 15, max: 34 },
    regex: /(?<![A-Za-z0-9])([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30})(?![A-Za-z0-9])/,
    validate: (m) => ibanValid(m[1] ?? ''),
    action: 'block',
    before: 4,
    maxLength: 44,
  },
  {
    id: 'iban_spaced',
    description: 'International bank account number printed in groups of four',
    keywords: [],
    trigger: { run: 'digits', min: 8, max: 30 },
    regex: /(?<![A-Za-z0-9])([A-Z]{2}[0-9]{2}(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![A-Za-z0-9])/,
    validate: (m) => ibanValid(m[1] ?? ''),
    action: 'block',
    before: 24,
    maxLength: 44,
  },
  {
    id: 'bitcoin_address',
    description: 'Bitcoin P2PKH/P2SH address (Base58Check)',
    keywords: [],
    trigger: { run: 'alnum', min: 26, max: 35 },
    regex: /(?<![A-Za-z0-9])([13][1-9A-HJ-NP-Za-km-z]{25,34})(?![A-Za-z0-9])/,
    validate: (m) => bitcoinAddressValid(m[1] ?? ''),
    action: 'block',
    before: 2,
    maxLength: 36,
  },
  {
    id: 'bitcoin_bech32_address',
    description: 'Bitcoin segwit/taproot address (bech32/bech32m checksum)',
    keywords: ['bc1'],
    regex: /(?<![A-Za-z0-9])(bc1[02-9ac-hj-np-z]{11,87})(?![A-Za-z0-9])/,
    validate: (m) => bech32Valid(m[1] ?? ''),
    action: 'block',
    maxLength: 92,
  },
  {
    id: 'bitcoin_wif_private_key',
    description: 'Bitcoin WIF private key (Base58Check, version 0x80)',
    keywords: [],
    trigger: { run: 'alnum', min: 51, max: 52 },
    regex: /(?<![A-Za-z0-9])([5KL][1-9A-HJ-NP-Za-km-z]{50,51})(?![A-Za-z0-9])/,
    validate: (m) => wifValid(m[1] ?? ''),
    action: 'block',
    before: 2,
    maxLength: 53,
  },
  {
    // A wallet address is where funds go and who holds them: outbound, it ties the agent's
    // principal to an account. Blocked when its EIP-55 checksum proves it an address; in
    // one case (no checksum) or with a failing one it may be any 160-bit hex id: a warning.
    // 40 hex without 0x (git SHAs) and 0x + 64 hex (transaction hashes) are other lengths.
    id: 'ethereum_address',
    description: 'Ethereum address (0x + 40 hex) with a valid EIP-55 checksum',
    keywords: [],
    trigger: { run: 'alnum', min: 42, max: 42 },
    regex: /(?<![A-Za-z0-9])(0x[0-9a-fA-F]{40})(?![A-Za-z0-9])/,
    validate: (m) => eip55Valid(m[1] ?? ''),
    invalidAction: 'warn',
    invalidDetail: 'no valid EIP-55 checksum (one case only, or a case pattern that does not verify)',
    action: 'block',
    before: 2,
    maxLength: 44,
  },
  {
    id: 'ethereum_private_key',
    description: '64-hex Ethereum/secp256k1 private key in a key-named assignment',
    keywords: [
      'private',
      'priv_key',
      'priv-key',
      'privkey',
      'eth_key',
      'eth-key',
      'ethkey',
      'wallet_key',
      'wallet-key',
      'walletkey',
      'signer_key',
      'signer-key',
      'signerkey',
    ],
    regex: /(?:private|priv|eth|wallet|signer)[_-]?key["']?\s{0,5}(?::|=|=>)\s{0,5}["']?(?:0x)?([a-fA-F0-9]{64})(?![A-Za-z0-9])/i,
    validate: (m) => shannonEntropy(m[1] ?? '') > 3,
    action: 'block',
    maxLength: 140,
  },
];
