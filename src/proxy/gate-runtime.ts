import type { Logger } from 'pino';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Resolver } from '../net/resolve.js';
import type { AuditSink } from '../audit/sink.js';
import type { UpstreamPools } from './upstream-pools.js';
import type { LeafCertCache } from '../tls/leaf-cache.js';

/**
 * The parts a request needs, swapped as one object on reload so a request sees
 * one consistent policy and resolver from start to end.
 */
export interface GateState {
  readonly policy: CompiledPolicy;
  readonly resolver: Resolver;
  /** Hosts tunnelled without interception (exact names and `*.` wildcards). */
  readonly passthrough: (host: string) => boolean;
}

/** Long-lived services shared by every request. */
export interface GateServices {
  readonly logger: Logger;
  readonly audit: AuditSink;
  readonly pools: UpstreamPools;
  readonly leaves: LeafCertCache;
  readonly timeouts: {
    readonly tlsHandshakeMs: number;
    readonly upstreamConnectMs: number;
    readonly idleMs: number;
  };
  state(): GateState;
}
