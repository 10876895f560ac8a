/**
 * Every case source of `npm run bench:detection`, one line each (helpers append
 * theirs). A source module exports `cases()`, returning DetectionCase[] (or a
 * promise of them). Benign documents are run through every scanner listed in
 * `BENIGN_SCANNERS` that has an evaluator (see run.ts), so DLP's false-positive
 * rate is measured on the same corpus as injection's.
 */
import type { DetectionCase, Scanner } from './case.js';

export const BENIGN_SCANNERS: readonly Scanner[] = ['injection', 'dlp'];

export const SOURCES: ReadonlyArray<() => Promise<DetectionCase[]>> = [
  async () => (await import('./attacks-injection.js')).cases(),
  async () => (await import('./benign.js')).cases(),
  async () => (await import('./attacks-dlp.js')).dlpCases(),
  async () => (await import('./benign-dlp.js')).benignDlpCases(),
  async () => (await import('./attacks-reflection.js')).reflectionCases(),
];
