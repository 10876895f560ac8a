/**
 * Replay over an audit reader: read the trail's records in a time window and replay
 * them (audit/replay.ts) under the config in force and a candidate. What
 * `sluice replay` and the admin API call; the reader is any backend's.
 */
import type { AuditRecord } from './fields.js';
import type { AuditFilter } from './query.js';
import { replayRecords, type ReplayResult } from './replay.js';
import { compileConfigPolicy } from '../policy/compile.js';

/** A config as `compileConfigPolicy` takes it, with the version its file hashes to. */
export interface ReplayConfig {
  config: Parameters<typeof compileConfigPolicy>[0];
  version: string;
}

export interface ReplayOptions {
  /** The config in force, which the candidate is compared with. */
  current: ReplayConfig;
  since?: Date | undefined;
  until?: Date | undefined;
  tenant?: string | undefined;
  /** At most this many records, oldest first (default 1,000,000). */
  limit?: number | undefined;
}

export interface PolicyReplay extends ReplayResult {
  /** The window and filter read, for the report's heading. */
  window: { since: string | null; until: string | null; tenant: string | null };
  /** True when `limit` records were read: there may be more in the window. */
  truncated: boolean;
}

export const DEFAULT_REPLAY_LIMIT = 1_000_000;

/**
 * @example
 * const r = replayPolicy(runtime.audit.reader, await loadConfig('new.yaml'), { current: loaded, since: new Date(Date.now() - 86_400_000) });
 * r.counts.newly_denied; // 2
 */
export function replayPolicy(reader: { query(filter?: AuditFilter): AuditRecord[] }, candidate: ReplayConfig, opts: ReplayOptions): PolicyReplay {
  const limit = opts.limit ?? DEFAULT_REPLAY_LIMIT;
  const records = reader.query({
    ...(opts.since ? { since: opts.since } : {}),
    ...(opts.until ? { until: opts.until } : {}),
    ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}),
    order: 'asc',
    limit,
  });
  const result = replayRecords(
    records,
    compileConfigPolicy(opts.current.config, opts.current.version),
    compileConfigPolicy(candidate.config, candidate.version),
  );
  return {
    ...result,
    window: { since: opts.since?.toISOString() ?? null, until: opts.until?.toISOString() ?? null, tenant: opts.tenant ?? null },
    truncated: records.length >= limit,
  };
}
