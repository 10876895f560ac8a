/**
 * The `limits:` section: how much one agent (and all of them together) may take of
 * the gate.
 * Defaults keep one token holder from taking a 2-core, few-GiB gate down: a flood is
 * answered 503 `overloaded` long before memory or file descriptors run out.
 *
 * @example
 * limitsSchema.parse({}).max_in_flight_per_identity; // 256
 */
import type * as z from 'zod';
import { intInRange, strictSection } from './fields.js';

export const limitsSchema = strictSection({
  max_header_bytes: intInRange(1024, 1_048_576, ' (bytes)').prefault(32_768),
  /** Client connections open at once (all agents); also held under the file-descriptor limit. */
  max_connections: intInRange(1, 1_000_000).prefault(4096),
  /** Connections one identity (token) holds, counted from its first request on each. */
  max_connections_per_identity: intInRange(1, 1_000_000).prefault(128),
  /** Connections from one client address that have not yet sent an identified request. */
  max_unidentified_per_ip: intInRange(1, 1_000_000).prefault(128),
  /** Requests, WebSockets and tunnels one identity has in flight. */
  max_in_flight_per_identity: intInRange(1, 1_000_000).prefault(256),
  /** Requests one connection has in flight (pipelining depth); beyond, 503 and the connection closes. */
  max_pipelined_per_connection: intInRange(1, 10_000).prefault(16),
  /**
   * Memory guard (bytes of resident memory): past it, new work is shed with 503
   * `overloaded`. 0 means the default, 3/4 of the V8 heap limit; the heap itself is also
   * held under 3/4 of its limit.
   */
  max_memory_bytes: intInRange(0).prefault(0),
});
export type LimitsConfig = z.output<typeof limitsSchema>;
