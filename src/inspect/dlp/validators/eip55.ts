/**
 * EIP-55 mixed-case checksum of Ethereum addresses: a hex letter of the address is
 * upper case exactly when the matching nibble of keccak-256 over the lower-case hex
 * is 8 or more. An address in one case only carries no checksum.
 *
 * @example
 * eip55Valid('0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045') // true
 * eip55Valid('0xd8da6bf26964af9d7eed9e03e53415d37aa96045') // false (no checksum to verify)
 */
import { keccak_256 } from '@noble/hashes/sha3.js';

/** True for `0x` + 40 hex in mixed case whose case pattern is the EIP-55 checksum. */
export function eip55Valid(address: string): boolean {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return false;
  const hex = address.slice(2);
  const lower = hex.toLowerCase();
  if (hex === lower || hex === hex.toUpperCase()) return false;
  const hash = keccak_256(Uint8Array.from(lower, (ch) => ch.charCodeAt(0)));
  for (let i = 0; i < 40; i++) {
    const ch = hex.charCodeAt(i);
    if (ch < 0x41) continue; // a digit has no case
    const nibble = ((hash[i >>> 1] as number) >>> (i % 2 === 0 ? 4 : 0)) & 15;
    if (nibble >= 8 !== ch <= 0x46) return false;
  }
  return true;
}
