import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { openRuntime, type Runtime } from '../runtime/index.js';
import type { BlastRadiusStore } from '../state/blast-radius.js';
import type { RateBucketStore } from '../state/rate-buckets.js';

/** The gate's rate-limit buckets and blast radius, and how to let go of them. */
export interface GateGovernance {
  readonly rates: RateBucketStore;
  readonly blast: BlastRadiusStore;
  /** Write out the bucket levels not yet written, and close what the gate opened itself. */
  close(): Promise<void>;
}

/**
 * The gate's rate-limit buckets (requests and tool calls share one table: their keys
 * never meet, each names its rule) and blast radius, from the state backend through
 * the runtime: the caller's when it has them, else opened here (and closed with the
 * gate). With the SQLite backend both survive a restart (state/sqlite-rate-buckets.ts,
 * state/sqlite-blast-radius.ts); a batch of levels that cannot be written is logged
 * and kept for the next.
 *
 * @example
 * const gov = await gateGovernance(loaded, opts.runtime, logger);
 */
export async function gateGovernance(
  loaded: LoadedConfig,
  given: Partial<Pick<Runtime<'rateBuckets' | 'blastRadius'>, 'rateBuckets' | 'blastRadius'>> | undefined,
  logger: Logger,
): Promise<GateGovernance> {
  const need: ('rateBuckets' | 'blastRadius')[] = [];
  if (given?.rateBuckets === undefined) need.push('rateBuckets');
  if (given?.blastRadius === undefined) need.push('blastRadius');
  if (need.length === 0) return { rates: given!.rateBuckets!, blast: given!.blastRadius!, close: () => Promise.resolve() };
  const rt = await openRuntime(loaded, {
    need,
    rateBuckets: { onError: (err) => logger.error({ err }, 'rate limit levels could not be written') },
  });
  const own = rt as Partial<Pick<Runtime<'rateBuckets' | 'blastRadius'>, 'rateBuckets' | 'blastRadius'>>;
  return {
    rates: given?.rateBuckets ?? own.rateBuckets!,
    blast: given?.blastRadius ?? own.blastRadius!,
    close: () => rt.close(),
  };
}
