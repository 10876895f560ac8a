/**
 * Every case source of `npm run bench:detection`, one line each (helpers append
 * theirs). A source module exports `cases()`, returning DetectionCase[] (or a
 * promise of them). Benign documents are run through every scanner listed in
 * `BENIGN_SCANNERS` that has an evaluator (see run.ts), so DLP's false-positive
 * rate is measured on the same corpus as injection's.
 */
import type { DetectionCase, Scanner } from './case.js';

export const BENIGN_SCANNERS: readonly Scanner[] = ['injection', 'dlp'];

/**
 * A source, and whether its benign cases are documents every scanner in
 * BENIGN_SCANNERS reads (the gathered and written corpus), or near-misses made for
 * one scanner (a token of the same shape that is not the injected one is no false
 * positive of reflection scrubbing, but DLP is right to flag it).
 */
export interface Source {
  load: () => Promise<DetectionCase[]>;
  corpus: boolean;
}

export const SOURCES: readonly Source[] = [
  { load: async () => (await import('./attacks-injection.js')).cases(), corpus: false },
  { load: async () => (await import('./benign.js')).cases(), corpus: true },
  { load: async () => (await import('./attacks-dlp.js')).dlpCases(), corpus: false },
  { load: async () => (await import('./benign-dlp.js')).benignDlpCases(), corpus: false },
  { load: async () => (await import('./attacks-reflection.js')).reflectionCases(), corpus: false },
];
