/**
 * RFC 4648 base32 decoding (case-insensitive, padding optional) into a byte string.
 *
 * @example
 * base32Decode('JBSWY3DP') // 'Hello'
 */
const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(input: string): string | undefined {
  const s = input.toUpperCase().replace(/=+$/, '');
  let bits = 0;
  let value = 0;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const v = ALPHA.indexOf(s[i] as string);
    if (v < 0) return undefined;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out += String.fromCharCode((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}
