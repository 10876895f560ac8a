/**
 * The WHATWG URL "IPv4 parser" and "ends in a number" checker, by hand.
 *
 * Agents (and the libraries they use) accept every inet_aton spelling of an
 * IPv4 address: `2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`, `127.0.0.1.`.
 * If the gate read any of those as a *name*, a policy on names could be
 * sidestepped and the address would never be classified. So we implement the
 * URL Standard algorithm exactly (https://url.spec.whatwg.org/#concept-ipv4-parser)
 * and tests cross-check it against `new URL()`.
 */

/** Marks a part that is not a number in its radix. */
const FAIL = -1;
/** Any value at or above this fails every range check, so we stop growing there. */
const TOO_BIG = 2 ** 32;

/**
 * The URL Standard's "ends in a number" checker: decides whether a host that
 * is not an IPv6 literal must be parsed as IPv4 (and rejected if that fails)
 * rather than treated as a domain name. Input must already be lowercase ASCII
 * or at least ASCII; non-digits simply make it return false.
 *
 * @example
 * endsInNumber('example.com'); // false
 * endsInNumber('foo.0x1');     // true (so 'foo.0x1' is an invalid IPv4, not a name)
 */
export function endsInNumber(host: string): boolean {
  let end = host.length;
  if (end > 0 && host.charCodeAt(end - 1) === 0x2e) {
    if (end === 1) return false;
    end--;
  }
  const start = host.lastIndexOf('.', end - 1) + 1;
  if (start >= end) return false;
  let allDigits = true;
  for (let i = start; i < end; i++) {
    const c = host.charCodeAt(i);
    if (c < 0x30 || c > 0x39) {
      allDigits = false;
      break;
    }
  }
  return allDigits || parseNumber(host, start, end) !== FAIL;
}

/**
 * The URL Standard's IPv4 parser. Returns the four address bytes, or null on
 * failure (which, for a host that ends in a number, means an invalid host).
 *
 * @example
 * parseWhatwgIpv4('0x7f.1');     // Uint8Array [127, 0, 0, 1]
 * parseWhatwgIpv4('2130706433'); // Uint8Array [127, 0, 0, 1]
 * parseWhatwgIpv4('1.2.3.4.5');  // null
 */
export function parseWhatwgIpv4(host: string): Uint8Array | null {
  let end = host.length;
  // One trailing dot is allowed ("validation error", not failure).
  if (end > 1 && host.charCodeAt(end - 1) === 0x2e) end--;
  const numbers: number[] = [];
  let start = 0;
  for (;;) {
    const dot = host.indexOf('.', start);
    const partEnd = dot === -1 || dot >= end ? end : dot;
    const n = parseNumber(host, start, partEnd);
    if (n === FAIL) return null;
    numbers.push(n);
    if (numbers.length > 4) return null;
    if (partEnd === end) break;
    start = partEnd + 1;
  }
  const count = numbers.length;
  let value = 0;
  for (let i = 0; i < count - 1; i++) {
    const n = numbers[i] ?? TOO_BIG;
    if (n > 255) return null;
    value += n * 256 ** (3 - i);
  }
  const last = numbers[count - 1] ?? TOO_BIG;
  if (last >= 256 ** (5 - count)) return null;
  value += last;
  return new Uint8Array([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
}

/** The URL Standard's "IPv4 number parser" over host[start, end). */
function parseNumber(s: string, start: number, end: number): number {
  if (start >= end) return FAIL;
  let radix = 10;
  if (end - start >= 2 && s.charCodeAt(start) === 0x30) {
    const x = s.charCodeAt(start + 1);
    if (x === 0x78 || x === 0x58) {
      radix = 16;
      start += 2;
    } else {
      radix = 8;
      start += 1;
    }
  }
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = digitValue(s.charCodeAt(i));
    if (d < 0 || d >= radix) return FAIL;
    if (value < TOO_BIG) value = Math.min(value * radix + d, TOO_BIG);
  }
  return value; // '0x' and '0' prefixes alone parse as zero, per the standard
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
