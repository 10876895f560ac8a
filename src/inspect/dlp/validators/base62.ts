/**
 * Base62 as GitHub uses it for token checksums (0-9, A-Z, a-z), left-padded with '0'.
 *
 * @example
 * base62Encode(61, 2) // '0z'
 */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function base62Encode(n: number, width: number): string {
  let out = '';
  let v = Math.floor(n);
  while (v > 0) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out.padStart(width, '0');
}
