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
 *
 * @example
 * findMnemonics([{ starts: [...], ends: [...], index: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3] }])
 * // [start of the first word, end of the last]
 */
import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
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
        const idx = run.index.slice(at, at + len);
        if (idx.every((v, k) => k === 0 || v > (idx[k - 1] as number))) continue;
        checks--;
        if (validateMnemonic(idx.map((v) => wordlist[v] as string).join(' '), wordlist)) {
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
