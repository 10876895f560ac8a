/**
 * BIP-39 seed phrases (a wallet's master key, in words) inside the runs of wordlist
 * words word-runs.ts found: in each run, the 12, 15, 18, 21 or 24 consecutive words
 * whose checksum validates (`validateMnemonic` of @scure/bip39), longest first, left
 * to right, not overlapping.
 *
 * A strictly increasing window is skipped: that is an excerpt of the wordlist itself
 * (code or docs that embed it), never a phrase in practice. Checksums computed per
 * scanned text are bounded (MAX_CHECKS): a random run of wordlist words validates one
 * 12-word window in 16, so only a long run of them (a word-list dump) costs anything.
 * The checksum is computed here from the wordlist indexes the run already has (pack
 * the 11-bit indexes, SHA-256 the entropy, compare the checksum bits): the library's
 * `validateMnemonic` re-validates the whole 2048-word list and looks every word up by
 * a linear `indexOf` on each call, some 100 us a check, which made a 4 MiB body of
 * wordlist words cost 15 s of CPU; this costs about 1 us.
 *
 * @example
 * findMnemonics([{ starts: [...], ends: [...], index: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3] }])
 * // [start of the first word, end of the last]
 */
import { hash } from 'node:crypto';
import { MIN_RUN_WORDS } from './word-runs.js';
import type { WordRun } from './word-runs.js';

const LENGTHS = [24, 21, 18, 15, 12] as const;
/** Checksums computed per scanned text at most. */
export const MAX_CHECKS = 2048;

/** Seed phrases in `runs`, as flat [start, end, ...] spans of the text. */
export function findMnemonics(runs: readonly WordRun[]): number[] {
  const out: number[] = [];
  let checks = MAX_CHECKS;
  for (const run of runs) {
    const n = run.index.length;
    let at = 0;
    while (at + MIN_RUN_WORDS <= n && checks > 0) {
      let found = 0;
      for (const len of LENGTHS) {
        if (at + len > n || checks <= 0) continue;
        if (increasing(run.index, at, len)) continue;
        checks--;
        if (checksumAt(run.index, at, len)) {
          found = len;
          break;
        }
      }
      if (found > 0) {
        out.push(run.starts[at] as number, run.ends[at + found - 1] as number);
        at += found;
      } else at++;
    }
  }
  return out;
}

/**
 * Whether the words with these wordlist indexes (12, 15, 18, 21 or 24 of them) carry a
 * valid BIP-39 checksum: the first len/3 bits of SHA-256 of the entropy they encode.
 * Same packing as @scure/bip39 (11 bits a word, most significant first).
 *
 * @example
 * checksumValid(Array(12).fill(0).with(11, 3)) // true ('abandon' x 11 + 'about')
 */
export function checksumValid(idx: readonly number[]): boolean {
  return checksumAt(idx, 0, idx.length);
}

/** Whether the `len` indexes from `at` are strictly increasing (an excerpt of the wordlist). */
function increasing(idx: ArrayLike<number>, at: number, len: number): boolean {
  for (let k = at + 1; k < at + len; k++) if (idx[k]! <= idx[k - 1]!) return false;
  return true;
}

/** The entropy and checksum byte of one check, reused (at most 24 words: 33 bytes). */
const PACKED = new Uint8Array(33);

/** checksumValid of the `len` indexes from `at`, without copying them out. */
function checksumAt(idx: ArrayLike<number>, at: number, len: number): boolean {
  const entLen = (len / 3) * 4;
  const bytes = PACKED;
  bytes.fill(0, 0, entLen + 1);
  let carry = 0;
  let bits = 0;
  let pos = 0;
  for (let k = at; k < at + len; k++) {
    carry = (carry << 11) | idx[k]!;
    bits += 11;
    while (bits >= 8) {
      bits -= 8;
      bytes[pos++] = (carry >>> bits) & 0xff;
    }
    carry &= (1 << bits) - 1;
  }
  if (bits > 0) bytes[pos] = carry << (8 - bits);
  const csBits = len / 3;
  const want = bytes[entLen]! >> (8 - csBits);
  // node:crypto's one-shot hash: ~1 us for the 16 to 32 bytes, half of @noble/hashes' sha256 in JavaScript.
  return hash('sha256', bytes.subarray(0, entLen), 'buffer')[0]! >> (8 - csBits) === want;
}
