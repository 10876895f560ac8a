/**
 * Sizes in the config: a whole number of bytes, or a number with a unit
 * (`512KiB`, `256MiB`, `1GiB`; `KB`, `MB`, `GB` are powers of 1000).
 */
import { describeValue } from './describe-value.js';
import { parsedBy } from './fields.js';

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * Bytes in `v` (a number, or a string like `256MiB`).
 *
 * @example
 * parseByteSize('256MiB'); // 268435456
 */
export function parseByteSize(v: unknown): number {
  const expected = 'expected a size like 64MiB, 1GiB or 500MB, or a whole number of bytes';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`${expected}; got ${describeValue(v)}`);
    return v;
  }
  if (typeof v !== 'string') throw new TypeError(`${expected}; got ${describeValue(v)}`);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  const unit = UNITS[(m?.[2] ?? '').toLowerCase() || 'b'];
  if (!m || unit === undefined) throw new TypeError(`${expected}; got '${v}'`);
  const n = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(n)) throw new TypeError(`${expected}; '${v}' is too large`);
  return n;
}

/**
 * A config field holding a size, parsed to bytes.
 *
 * @example
 * const spoolMax = byteSizeField().prefault('256MiB');
 */
export function byteSizeField(opts: { min?: number } = {}) {
  return parsedBy((v) => {
    const n = parseByteSize(v);
    if (opts.min !== undefined && n < opts.min) throw new RangeError(`expected at least ${opts.min} bytes; got ${n}`);
    return n;
  });
}
