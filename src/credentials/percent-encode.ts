/**
 * Percent-encoding of secret bytes for a URL (query value or path segment): every
 * byte outside RFC 3986's unreserved set becomes `%XX` (upper case), so `&`, `=`,
 * `/`, `+`, `#` and spaces in a secret can never change the URL's structure.
 *
 * @example
 * percentEncode(Buffer.from('a+b/c=d')); // 'a%2Bb%2Fc%3Dd'
 */
export function percentEncode(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    const unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
    out += unreserved ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
