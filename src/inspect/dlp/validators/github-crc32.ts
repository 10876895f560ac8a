/**
 * GitHub's token checksum: the last 6 characters of a `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_`
 * token are the CRC-32 of the 30 random characters before them, in base62.
 *
 * @example
 * const body = 'A'.repeat(30);
 * githubTokenValid(`ghp_${body}${githubChecksum(body)}`) // true
 */
import { crc32 } from './crc32.js';
import { base62Encode } from './base62.js';

/** The 6-character checksum for a token's 30-character random part. */
export function githubChecksum(random30: string): string {
  return base62Encode(crc32(random30), 6);
}

/** True when `token` is `gh?_` + 30 random chars + their checksum. */
export function githubTokenValid(token: string): boolean {
  const body = token.slice(4);
  if (body.length !== 36) return false;
  return githubChecksum(body.slice(0, 30)) === body.slice(30);
}
