/** One load run against one contender. Latencies in milliseconds. */
export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** The contender's CPU seconds (all its processes) during the run. */
  cpu: number;
  /** Bulk transfer rate, for the tunnel scenario. */
  mbps?: number;
  /** Tunnels held open, for the idle scenario. */
  tunnels?: number;
  detail?: string | undefined;
}
