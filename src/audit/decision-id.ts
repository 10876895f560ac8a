import { randomFillSync } from 'node:crypto';

// A pool of random bytes refilled in bulk: one syscall per 512 ids instead of per id.
const POOL = Buffer.allocUnsafe(16 * 512);
let poolOffset = POOL.length;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A UUIDv7 (RFC 9562): time-ordered, so audit records sort by id, and random enough
 * that a decision id cannot be guessed from another.
 *
 * @example
 * newDecisionId(); // '019a8f2c-3b1e-7c4d-9f00-5e2a1b3c4d5e'
 */
export function newDecisionId(now: number = Date.now()): string {
  if (poolOffset + 10 > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const b = POOL;
  const o = poolOffset;
  poolOffset += 10;
  const ms = now.toString(16).padStart(12, '0');
  const h = (i: number): string => HEX[b[o + i]!]!;
  return (
    `${ms.slice(0, 8)}-${ms.slice(8, 12)}-` +
    `7${HEX[b[o]! & 0x0f]!.slice(1)}${h(1)}-` +
    `${HEX[(b[o + 2]! & 0x3f) | 0x80]!}${h(3)}-` +
    `${h(4)}${h(5)}${h(6)}${h(7)}${h(8)}${h(9)}`
  );
}
