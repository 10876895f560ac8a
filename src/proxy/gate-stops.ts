import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { openRuntime } from '../runtime/index.js';
import type { StopStore } from '../state/stops.js';

/**
 * The gate's kill switch and quarantine store: the caller's runtime's when it has one,
 * else one the gate opens (and closes) itself, registered as a gate so `sluice kill`
 * and `sluice quarantine` wait for it. An unreadable store is logged and, once past
 * its bound, ends what is open (`sweep`), as new requests are refused.
 *
 * @example
 * const { stops, close } = await gateStops(loaded, opts.runtime?.stops, logger, () => exchanges.sweep());
 */
export async function gateStops(
  loaded: LoadedConfig,
  given: StopStore | undefined,
  logger: Logger,
  sweep: () => void,
): Promise<{ stops: StopStore; close: (() => Promise<void>) | null }> {
  if (given !== undefined) return { stops: given, close: null };
  const rt = await openRuntime(loaded, {
    need: ['stops'],
    stops: {
      participant: 'gate',
      onError: (err) => {
        logger.error({ err }, 'kill switch and quarantine state unreadable');
        sweep();
      },
    },
  });
  return { stops: rt.stops, close: rt.close };
}
