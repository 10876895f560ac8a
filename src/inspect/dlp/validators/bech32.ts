/**
 * Bech32 / Bech32m checksum (BIP-173 / BIP-350) for `bc1...` segwit addresses.
 *
 * @example
 * bech32Valid('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4') // true
 */
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i] as number;
  }
  return chk >>> 0;
}

export function bech32Valid(input: string): boolean {
  if (input.length < 14 || input.length > 90) return false;
  const s = input.toLowerCase();
  if (s !== input && input.toUpperCase() !== input) return false; // mixed case is invalid
  const sep = s.lastIndexOf('1');
  if (sep < 1 || sep + 7 > s.length) return false;
  const hrp = s.slice(0, sep);
  const values: number[] = [];
  for (let i = 0; i < hrp.length; i++) values.push(hrp.charCodeAt(i) >> 5);
  values.push(0);
  for (let i = 0; i < hrp.length; i++) values.push(hrp.charCodeAt(i) & 31);
  for (let i = sep + 1; i < s.length; i++) {
    const v = CHARSET.indexOf(s[i] as string);
    if (v < 0) return false;
    values.push(v);
  }
  const pm = polymod(values);
  return pm === 1 || pm === 0x2bc830a3;
}
