/**
 * What `sluice kill` and `sluice quarantine` share once their flags are read: open the
 * stop store of the data directory (the config may be invalid: only `data_dir` is
 * read), print the list or write the change, then wait until every running gate (and
 * `sluice mcp`) applied it (applied.ts).
 *
 * @example
 * return stopCommand('kill', values.config, wait, (stops) => (values.list ? printList(...) : kill(stops, ...)), (e) => `--${e.message}`);
 */
import { InvalidArgumentError } from '../identity/errors.js';
import { openRuntime } from '../runtime/index.js';
import type { StopStore } from '../state/index.js';
import { EXIT, UsageError } from '../usage-error.js';
import { notApplied } from './applied.js';
import type { DurationFlag } from './duration-flag.js';
import { stateSourceFor } from './emergency-config.js';
import { configPath } from './paths.js';

/**
 * Run `act` on the stop store: a number is an exit code (a list was printed), null is
 * "nothing to lift" (exit 1), an entry is waited for. A store's InvalidArgumentError
 * becomes a usage error worded by `usage`.
 */
export async function stopCommand(
  command: 'kill' | 'quarantine',
  config: string | undefined,
  wait: DurationFlag,
  act: (stops: StopStore) => Promise<number | { id: string } | null>,
  usage: (err: InvalidArgumentError) => string,
): Promise<number> {
  const { stops, close } = await openRuntime(await stateSourceFor(configPath(config), command), { need: ['stops'], stops: { watch: false } });
  let pending: string[];
  try {
    let written: number | { id: string } | null;
    try {
      written = await act(stops);
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw new UsageError(usage(err));
      throw err;
    }
    if (typeof written === 'number') return written;
    if (written === null) return EXIT.failed;
    pending = await stops.awaitApplied(written, wait.ms);
  } finally {
    await close();
  }
  return notApplied(`sluice ${command}`, pending, wait, 'running gate(s)');
}
