import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { openRuntime } from '../runtime/index.js';
import type { StopStore } from '../state/stops.js';

/** The gate's stop store, and how to let go of it (stop watching; close it if the gate opened it). */
export interface GateStops {
  readonly store: StopStore;
  close(): Promise<void>;
}

/**
 * The gate's kill switch and quarantine store: the caller's runtime's when it has one,
 * else one the gate opens (and closes) itself, registered as a gate so `sluice kill`
 * and `sluice quarantine` wait for it. Every change runs `sweep` (what a kill refuses
 * is ended) inside the store's load, so before the CLI is told it was applied; an
 * unreadable store is logged and, past its bound, swept too (fail closed).
 *
 * @example
 * const stops = await gateStops(loaded, opts.runtime?.stops, logger, () => exchanges.sweep());
 */
export async function gateStops(loaded: LoadedConfig, given: StopStore | undefined, logger: Logger, sweep: () => void): Promise<GateStops> {
  const rt =
    given === undefined
      ? await openRuntime(loaded, {
          need: ['stops'],
          stops: {
            participant: 'gate',
            onError: (err) => {
              logger.error({ err }, 'kill switch and quarantine state unreadable');
              sweep();
            },
          },
        })
      : null;
  const store = rt?.stops ?? given!;
  const unwatch = store.onChange(sweep);
  return {
    store,
    close: async () => {
      unwatch();
      await rt?.close();
    },
  };
}
