/**
 * The byte-level pieces of the strict JSON reader (json-strict.ts): which bytes end a
 * quick run through a string, where a UTF-8 character, an escape or a run of digits
 * ends, each refusing exactly where a fatal UTF-8 decoder or RFC 8259 would.
 *
 * @example
 * utf8End(Buffer.from('é'), 0, 0xc3); // 2
 * utf8End(Buffer.from([0xc0, 0x80]), 0, 0xc0); // -1 (overlong)
 */

/** Bytes that end the quick run through a string: quote, backslash, controls, and every byte of a multi-byte character. */
export const STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) STOP[c] = c === 0x22 || c === 0x5c || c < 0x20 || c >= 0x80 ? 1 : 0;

/** JSON white space: space, line feed, carriage return, tab. */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * End of the UTF-8 character whose first byte `c` is at `i`, or -1 where a fatal
 * decoder refuses: a stray continuation byte, an overlong form (C0, C1, E0 80..9F,
 * F0 80..8F), an encoded surrogate (ED A0..BF), past U+10FFFF (F4 90.., F5..FF), or
 * a character cut short.
 */
export function utf8End(b: Buffer, i: number, c: number): number {
  let more: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) more = 1;
  else if (c >= 0xe0 && c <= 0xef) {
    more = 2;
    if (c === 0xe0) lo = 0xa0;
    else if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    more = 3;
    if (c === 0xf0) lo = 0x90;
    else if (c === 0xf4) hi = 0x8f;
  } else return -1;
  if (i + more >= b.length) return -1;
  const d = b[i + 1]!;
  if (d < lo || d > hi) return -1;
  for (let k = i + 2; k <= i + more; k++) if ((b[k]! & 0xc0) !== 0x80) return -1;
  return i + more + 1;
}

/** An escape that is a lone surrogate (escapeEnd); other bad escapes are -1. */
export const BAD_SURROGATE = -2;

/** End of the escape whose backslash is at `i`, or -1 (not an escape), or BAD_SURROGATE. */
export function escapeEnd(b: Buffer, i: number): number {
  const e = b[i + 1];
  if (e === 0x75 /* u */) {
    const u = hex4(b, i + 2);
    if (u < 0) return -1;
    if (u >= 0xdc00 && u <= 0xdfff) return BAD_SURROGATE;
    if (u < 0xd800 || u > 0xdbff) return i + 6;
    // Only an escaped low surrogate completes an escaped high one.
    if (b[i + 6] !== 0x5c || b[i + 7] !== 0x75) return BAD_SURROGATE;
    const low = hex4(b, i + 8);
    return low >= 0xdc00 && low <= 0xdfff ? i + 12 : BAD_SURROGATE;
  }
  return e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74 ? i + 2 : -1;
}

/** The value of the four hex digits at `i`, or -1. */
function hex4(b: Buffer, i: number): number {
  if (i + 4 > b.length) return -1;
  let v = 0;
  for (let k = i; k < i + 4; k++) {
    const c = b[k]!;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** End of the run of ASCII digits from `i`. */
export function digits(b: Buffer, i: number): number {
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x39) return i;
    i++;
  }
  return i;
}
