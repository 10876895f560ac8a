/**
 * Base58 decoding and the Base58Check checksum (first 4 bytes of double SHA-256)
 * used by Bitcoin addresses and WIF private keys.
 *
 * @example
 * base58CheckPayload('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa')?.[0] // 0 (P2PKH version byte)
 */
import { createHash } from 'node:crypto';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/** Decode base58; undefined on a character outside the alphabet. Input is short (< 128). */
export function base58Decode(s: string): Uint8Array | undefined {
  if (s.length === 0 || s.length > 128) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? (INDEX[c] as number) : -1;
    if (v < 0) return undefined;
    let carry = v;
    for (let j = 0; j < bytes.length; j++) {
      carry += (bytes[j] as number) * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  for (let i = 0; i < s.length && s[i] === '1'; i++) bytes.push(0);
  return Uint8Array.from(bytes.reverse());
}

/** The payload (version byte first) when the checksum holds, else undefined. */
export function base58CheckPayload(s: string): Uint8Array | undefined {
  const raw = base58Decode(s);
  if (raw === undefined || raw.length < 5) return undefined;
  const payload = raw.subarray(0, raw.length - 4);
  const sum = createHash('sha256').update(createHash('sha256').update(payload).digest()).digest();
  for (let i = 0; i < 4; i++) if (sum[i] !== raw[raw.length - 4 + i]) return undefined;
  return payload;
}

/** A mainnet P2PKH (version 0) or P2SH (version 5) address. */
export function bitcoinAddressValid(s: string): boolean {
  const p = base58CheckPayload(s);
  return p !== undefined && p.length === 21 && (p[0] === 0x00 || p[0] === 0x05);
}

/** A mainnet WIF private key: version 0x80, 32 bytes, optional 0x01 compression flag. */
export function wifValid(s: string): boolean {
  const p = base58CheckPayload(s);
  if (p === undefined || p[0] !== 0x80) return false;
  return p.length === 33 || (p.length === 34 && p[33] === 0x01);
}
