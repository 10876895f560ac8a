/**
 * CRC-32 (IEEE 802.3, the zlib one), table driven. Hand-written so the inspector needs
 * nothing but the language.
 *
 * @example
 * crc32(Buffer.from('123456789')) // 0xcbf43926
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array | string): number {
  let c = 0xffffffff;
  if (typeof bytes === 'string') {
    for (let i = 0; i < bytes.length; i++) c = (TABLE[(c ^ bytes.charCodeAt(i)) & 0xff] as number) ^ (c >>> 8);
  } else {
    for (const b of bytes) c = (TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}
