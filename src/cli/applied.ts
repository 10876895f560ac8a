/**
 * What `sluice revoke`, `sluice kill` and `sluice quarantine` share: a change is
 * recorded on the data directory, then the command waits (`--wait`, default 5 s) until
 * every running gate has applied it; if one has not, the change stays recorded, the
 * gates are named on stderr and the exit code is 3.
 *
 * @example
 * const wait = waitOption(values.wait);
 * const pending = await store.awaitApplied(written, wait.ms);
 * return notApplied('sluice kill', pending, wait, 'running gate(s)');
 */
import { durationFlag, type DurationFlag } from './duration-flag.js';

/** Recorded, but not applied by every running gate in time. */
export const EXIT_NOT_CONFIRMED = 3;

/** The `--wait` option: how long to wait for running gates to apply a change (default 5 s). */
export function waitOption(v: string | undefined): DurationFlag {
  return v === undefined ? { ms: 5000, text: '5s' } : durationFlag('--wait', v);
}

/** 0 when every running gate applied it; else names those that did not (stderr) and answers EXIT_NOT_CONFIRMED. */
export function notApplied(command: string, pending: readonly string[], wait: DurationFlag, who: string, consequence = ''): number {
  if (pending.length === 0) return 0;
  process.stderr.write(
    `${command}: recorded, but not yet applied by ${pending.length} ${who} after ${wait.text}${consequence}:\n${pending.map((p) => `  ${p}\n`).join('')}`,
  );
  return EXIT_NOT_CONFIRMED;
}

/** One line an entry on stdout (`--list`), or `none` on stderr when there is none. */
export function printList<T>(entries: readonly T[], none: string, line: (entry: T) => string): number {
  if (entries.length === 0) process.stderr.write(`${none}\n`);
  for (const e of entries) process.stdout.write(`${line(e)}\n`);
  return 0;
}
